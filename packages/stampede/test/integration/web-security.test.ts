// Issue 5: the web UI is safe by default — loopback unless told, credentials off loopback, the token and a JSON body
// on every state-changing call (no form CSRF), the Host check (DNS rebinding), and strict headers on every answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toRunOptions } from '../../src/cli/options.ts';
import { checkWebOptions, runWithWebUi } from '../../src/cli/web-command.ts';
import { silentLogger } from '../../src/logger.ts';
import { allowedHostnames, authorized, hostnameOf, isLoopbackHost, parseWebAuth } from '../../src/web/web-security.ts';
import { startCountingServer, type CountingServer } from '../fixtures/counting-server.ts';
import { action, pageToken, rawRequest, startWebHarness, VERTEX_SCRIPT, type WebHarness } from './web-harness.ts';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const ADMIN = { authorization: basic('admin', 's3cret') };

let target: CountingServer;
let web: WebHarness;
before(async () => {
  target = await startCountingServer();
  web = await startWebHarness(VERTEX_SCRIPT, target.url, { webAuth: 'admin:s3cret' });
});
after(async () => {
  await web?.stop();
  await target?.close();
});

describe('binding', () => {
  const opts = (raw: Record<string, unknown>) => toRunOptions({ locustfile: 'missing.ts', ...raw }, []);

  it('refuses a non-loopback --web-host without --web-auth (exit 2, one line), before loading the script', async () => {
    for (const webHost of ['0.0.0.0', '::', '192.168.1.20', 'example.com']) {
      assert.throws(() => checkWebOptions(opts({ webHost })), (e: any) => {
        assert.equal(e.code, 'STAMPEDE_ERR_CONFIG_WEB_HOST');
        assert.doesNotMatch(`${e.message} — ${e.hint}`, /\n/);
        assert.match(e.hint, /--web-auth/);
        return true;
      });
    }
    const io = { logger: silentLogger, out: () => {}, onSignal: () => {} };
    await assert.rejects(runWithWebUi(opts({ webHost: '0.0.0.0' }), io), { code: 'STAMPEDE_ERR_CONFIG_WEB_HOST' });
    for (const webHost of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) assert.equal(checkWebOptions(opts({ webHost })), undefined);
    assert.deepEqual(checkWebOptions(opts({ webHost: '0.0.0.0', webAuth: 'token:abc' })), { kind: 'token', token: 'abc' });
    assert.throws(() => checkWebOptions(opts({ webAuth: 'nocolon' })), { code: 'STAMPEDE_ERR_CONFIG_WEB_AUTH' });
  });

  it('classifies hosts and parses credentials', () => {
    assert.equal(isLoopbackHost('::ffff:127.0.0.1'), true);
    assert.equal(isLoopbackHost('10.0.0.1'), false);
    assert.deepEqual(parseWebAuth('ann:pa:ss'), { kind: 'basic', user: 'ann', pass: 'pa:ss' });
    assert.equal(hostnameOf('[::1]:8089'), '::1');
    assert.equal(hostnameOf('Localhost:8089'), 'localhost');
    assert.equal(hostnameOf('a b'), '');
    assert.equal(allowedHostnames('0.0.0.0').has('0.0.0.0'), false);
    assert.equal(allowedHostnames('0.0.0.0').has(os.hostname().toLowerCase()), true);
    assert.equal(allowedHostnames('10.1.2.3').has('10.1.2.3'), true);
    assert.equal(allowedHostnames('10.1.2.3').has('10.9.9.9'), false);
    const token = parseWebAuth('token:t0k');
    assert.equal(authorized(token, 'Bearer t0k'), true);
    assert.equal(authorized(token, basic('anyone', 't0k')), true);
    assert.equal(authorized(token, 'Bearer t0K'), false);
    assert.equal(authorized(parseWebAuth('u:p'), 'Bearer p'), false);
  });
});

describe('credentials (--web-auth)', () => {
  it('asks for Basic credentials on every route and accepts only the right ones', async () => {
    for (const route of ['/', '/app.js', '/api/status', '/api/stream', '/download/stats.csv', '/nope']) {
      const res = await rawRequest(new URL(route, web.url).href);
      assert.equal(res.status, 401, route);
      assert.match(String(res.headers['www-authenticate']), /^Basic realm="stampede"/);
      assert.ok(res.headers['content-security-policy']);
    }
    assert.equal((await rawRequest(web.url, { headers: { authorization: basic('admin', 'wrong') } })).status, 401);
    assert.equal((await rawRequest(web.url, { headers: { authorization: basic('root', 's3cret') } })).status, 401);
    assert.equal((await rawRequest(web.url, { headers: ADMIN })).status, 200);
  });

  it('token:TOKEN accepts Bearer (scripts) and the token as the Basic password (browsers)', async () => {
    const t = await startWebHarness(VERTEX_SCRIPT, target.url, { webAuth: 'token:t0k3n' });
    try {
      const status = new URL('/api/status', t.url).href;
      assert.equal((await rawRequest(status, { headers: { authorization: 'Bearer t0k3n' } })).status, 200);
      assert.equal((await rawRequest(status, { headers: { authorization: basic('me', 't0k3n') } })).status, 200);
      assert.equal((await rawRequest(status, { headers: { authorization: 'Bearer nope' } })).status, 401);
      assert.equal((await rawRequest(status)).status, 401);
    } finally {
      await t.stop();
    }
  });
});

describe('requests', () => {
  it('rejects a Host header that is not a loopback name or the bind address (DNS rebinding)', async () => {
    const port = web.port;
    for (const host of [`evil.example:${port}`, `127.0.0.1.nip.io:${port}`, 'evil.example']) {
      const res = await rawRequest(web.url, { headers: { ...ADMIN, host } });
      assert.equal(res.status, 421, host);
      assert.equal(JSON.parse(res.body).error.code, 'STAMPEDE_ERR_WEB_HOST');
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      assert.equal((await rawRequest(web.url, { headers: { ...ADMIN, host } })).status, 200, host);
    }
  });

  it('takes state-changing calls only as JSON with the page token and a same-origin Origin', async () => {
    const token = await pageToken(web.url, ADMIN);
    assert.match(token, /^[A-Za-z0-9_-]{32}$/);
    const stop = new URL('/api/stop', web.url).href;
    const post = (headers: Record<string, string>, body = '{}') => rawRequest(stop, { method: 'POST', headers: { ...ADMIN, ...headers }, body });
    const code = async (res: Promise<{ status: number; body: string }>) => {
      const r = await res;
      return [r.status, JSON.parse(r.body).error?.code];
    };
    assert.deepEqual(await code(post({ 'content-type': 'application/json' })), [403, 'STAMPEDE_ERR_WEB_TOKEN']);
    assert.deepEqual(await code(post({ 'content-type': 'application/json', 'x-stampede-token': 'guess' })), [403, 'STAMPEDE_ERR_WEB_TOKEN']);
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
      assert.deepEqual(await code(post({ 'content-type': type, 'x-stampede-token': token }, 'users=1')), [415, 'STAMPEDE_ERR_WEB_CONTENT_TYPE'], type);
    }
    assert.deepEqual(await code(post({ 'content-type': 'application/json', 'x-stampede-token': token, origin: 'http://evil.example' })), [403, 'STAMPEDE_ERR_WEB_ORIGIN']);
    assert.deepEqual(await code(post({ 'content-type': 'application/json', 'x-stampede-token': token, origin: 'null' })), [403, 'STAMPEDE_ERR_WEB_ORIGIN']);
    const ok = await post({ 'content-type': 'application/json; charset=utf-8', 'x-stampede-token': token, origin: new URL(web.url).origin });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(JSON.parse(ok.body).state, 'ready');
    const reset = await action(web.url, '/api/reset', token, {}, ADMIN);
    assert.equal(reset.status, 409);
    const big = await post({ 'content-type': 'application/json', 'x-stampede-token': token }, JSON.stringify({ pad: 'x'.repeat(70_000) }));
    assert.equal(big.status, 413);
    assert.equal((await post({ 'content-type': 'application/json', 'x-stampede-token': token }, '{nope')).status, 400);
  });

  it('sends a strict CSP and the other security headers on every answer, and errors as JSON', async () => {
    for (const [route, status, method] of [['/', 200, 'GET'], ['/app.js', 200, 'GET'], ['/app.css', 200, 'GET'], ['/api/status', 200, 'GET'], ['/nope', 404, 'GET'], ['/api/status', 405, 'PUT']] as const) {
      const res = await rawRequest(new URL(route, web.url).href, { method, headers: ADMIN });
      assert.equal(res.status, status, route);
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      if (status >= 400) assert.match(JSON.parse(res.body).error.code, /^STAMPEDE_ERR_WEB_/);
    }
    const page = await rawRequest(web.url, { headers: ADMIN });
    assert.doesNotMatch(page.body.replace(/<script src="\/app\.js" defer><\/script>/, ''), /<script|\sstyle=|\son\w+=/i);
  });

  it('the browser app never writes data as HTML (no innerHTML, outerHTML, insertAdjacentHTML, document.write)', () => {
    const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/web/ui');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      assert.doesNotMatch(readFileSync(path.join(dir, file), 'utf8'), /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, file);
    }
  });
});
