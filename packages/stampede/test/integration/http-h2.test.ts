/**
 * HTTP/2 over TLS: a node:http2 server with a self-signed certificate made here sees `h2` requests, and the counts
 * per protocol in the report equal what it saw — from a user's session, and from `stampede quick` (with --http1
 * forcing HTTP/1.1). Certificates are checked unless the run is insecure.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDispatcher } from '../../src/http/dispatcher.ts';
import { createHttpSession } from '../../src/http/session.ts';
import { runQuick, type QuickOptions } from '../../src/cli/quick-command.ts';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { StatsSet } from '../../src/stats/stats-set.ts';
import { buildJsonReport } from '../../src/report/json-report.ts';
import { validateReport } from '../../src/report/schema.ts';
import type { JsonReport } from '../../src/report/report-types.ts';
import { acceptWebSocket } from 'vertex-ar';
import { fixtureScripts, runCli } from '../fixtures/cli-process.ts';
import { selfSignedCertificate } from '../fixtures/tls-cert.ts';

const certificate = selfSignedCertificate();
const skip = certificate === undefined ? 'openssl is not installed: no certificate for the TLS server' : false;

/** What the server saw: requests per protocol version, and connections (HTTP/2 sessions or TLS sockets). */
const seen = { h2: 0, http1: 0, connections: 0 };
let server: http2.Http2SecureServer;
let origin = '';
let dir = '';
const sockets = new Set<import('node:tls').TLSSocket>();

before(async () => {
  if (certificate === undefined) return;
  server = http2.createSecureServer({ ...certificate, allowHTTP1: true }, (req, res) => {
    if (req.httpVersion === '2.0') seen.h2++;
    else seen.http1++;
    res.setHeader('content-type', 'text/plain');
    res.end('hello');
  });
  server.on('upgrade', (req, socket, head) => {
    const ws = acceptWebSocket(req, socket, head);
    ws?.on('message', (data) => ws.send(data));
  });
  server.on('secureConnection', (socket) => {
    seen.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'stampede-h2-'));
});
after(async () => {
  if (certificate === undefined) return;
  // A client's idle HTTP/2 session would hold close() open.
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function reset(): void {
  seen.h2 = 0;
  seen.http1 = 0;
  seen.connections = 0;
}

function reportOf(stats: StatsSet): JsonReport {
  const aggregate = new Aggregate();
  aggregate.merge(stats.snapshot());
  const report = buildJsonReport({
    aggregate,
    version: 'test',
    startedAt: 0,
    endedAt: 1000,
    durationS: 1,
    config: { host: origin, users: 1, spawn_rate: 1, run_time_s: 1, user_classes: ['T'], model: 'closed' },
  });
  assert.deepEqual(validateReport(report), []);
  return report;
}

async function quick(extra: Partial<QuickOptions>): Promise<JsonReport> {
  const json = join(dir, `q-${Math.random()}.json`);
  const options: QuickOptions = {
    url: new URL(`${origin}/q`),
    connections: 8,
    durationS: 1,
    method: 'GET',
    headers: {},
    threads: 1,
    timeouts: { connectTimeoutMs: 5_000, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000 },
    json,
    insecure: true,
    ...extra,
  };
  const code = await runQuick(options, { logger: { log: () => {} }, out: () => {}, onSignal: () => {} });
  assert.equal(code, 0);
  const report = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;
  assert.deepEqual(validateReport(report), []);
  return report;
}

describe('HTTP/2 over TLS', { skip }, () => {
  it('negotiates h2 by ALPN: res.protocol says so, and the report counts what the server saw', async () => {
    reset();
    const stats = new StatsSet();
    const dispatcher = createDispatcher({ rejectUnauthorized: false });
    const session = createHttpSession({ baseUrl: origin, recorder: stats, dispatcher });
    const answers = await Promise.all(Array.from({ length: 20 }, () => session.get('/items', { name: '/items' })));
    await session.get('/other');
    await session.close();
    await dispatcher.destroy();
    assert.deepEqual(new Set(answers.map((r) => `${r.status} ${r.protocol}`)), new Set(['200 h2']));
    assert.equal(seen.h2, 21);
    assert.equal(seen.http1, 0);
    assert.equal(seen.connections, 1);
    const report = reportOf(stats);
    const byName = Object.fromEntries(report.endpoints.map((e) => [e.name, e]));
    assert.deepEqual(byName['/items']!.protocols, { h2: 20 });
    assert.deepEqual(byName['/other']!.protocols, { h2: 1 });
  });

  it('opens a WebSocket (wss) to an origin its requests reach over h2: the handshake goes over HTTP/1.1', async () => {
    const dispatcher = createDispatcher({ rejectUnauthorized: false });
    const session = createHttpSession({ baseUrl: origin, recorder: new StatsSet(), dispatcher });
    assert.equal((await session.get('/before')).protocol, 'h2');
    const ws = await session.ws('/echo');
    assert.equal(await ws.request('over TLS', { timeout: 3_000 }), 'over TLS');
    await ws.close();
    assert.equal((await session.get('/after')).protocol, 'h2');
    await session.close();
    await dispatcher.destroy();
  });

  it('checks the certificate unless told not to: a self-signed one fails as kind tls, counted under no protocol', async () => {
    reset();
    const stats = new StatsSet();
    const session = createHttpSession({ baseUrl: origin, recorder: stats });
    const res = await session.get('/checked');
    await session.close();
    assert.equal(res.status, 0);
    assert.equal(res.error?.kind, 'tls');
    assert.equal(res.protocol, undefined);
    assert.equal(seen.h2 + seen.http1, 0);
    const endpoint = reportOf(stats).endpoints[0]!;
    assert.equal(endpoint.failures, 1);
    assert.equal(endpoint.protocols, undefined);
  });

  it('stampede quick speaks h2 when offered, its streams sharing connections, and the counts equal', async () => {
    reset();
    const report = await quick({});
    const endpoint = report.endpoints[0]!;
    assert.ok(seen.h2 > 50, `only ${seen.h2} requests`);
    assert.equal(seen.http1, 0);
    assert.deepEqual(endpoint.protocols, { h2: seen.h2 });
    assert.equal(report.totals.requests, seen.h2);
    // 8 requests in flight are 8 streams of one connection, as HTTP/2 intends.
    assert.equal(seen.connections, 1);
  });

  it('stampede quick --http1 offers only HTTP/1.1', async () => {
    reset();
    const report = await quick({ http1: true });
    assert.equal(seen.h2, 0);
    assert.ok(seen.http1 > 50);
    assert.deepEqual(report.endpoints[0]!.protocols, { 'http/1.1': seen.http1 });
    // HTTP/1.1 carries one request at a time: the 8 in flight need 8 connections (plus the one that asked for h2).
    assert.ok(seen.connections >= 8, `${seen.connections} connections`);
  });

  it('--insecure against a plain-http target is a usage error (exit 2, one line)', async () => {
    const quickRun = await runCli(['quick', 'http://127.0.0.1:9/', '--insecure', '-d', '1s']);
    assert.equal(quickRun.code, 2);
    assert.match(quickRun.stderr, /--insecure applies to https:\/\/ targets only/);
    const scripted = await runCli(['-f', join(fixtureScripts, 'basic-http-user.ts'), '--headless', '-t', '1s', '--host', 'http://127.0.0.1:9', '--insecure']);
    assert.equal(scripted.code, 2);
    assert.match(scripted.stderr, /--insecure applies to https:\/\/ hosts only/);
    assert.equal(scripted.stderr.trim().split('\n').filter((l) => l.includes('--insecure')).length, 1);
    // The config key is the same setting: refused the same way.
    const config = join(dir, 'stampede.config.ts');
    writeFileSync(config, `export default { file: ${JSON.stringify(join(fixtureScripts, 'basic-http-user.ts'))}, host: 'http://127.0.0.1:9', insecure: true };\n`);
    const configured = await runCli(['--config', config, '--headless', '-t', '1s']);
    assert.equal(configured.code, 2);
    assert.match(configured.stderr, /--insecure applies to https:\/\/ hosts only/);
  });
});
