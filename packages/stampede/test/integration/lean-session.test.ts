/**
 * The HttpSession on the lean path (issue 11): the same contract as on undici — one record per hop, counts equal
 * what the server saw, cookies, JSON bodies, catchResponse, timeouts — with the session's own LeanAgent or a
 * thread-shared one (createLeanDispatcher), whose destroy() interrupts what is in flight.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpSession } from '../../src/http/session.ts';
import { LeanAgent, createLeanDispatcher } from '../../src/http/lean/lean-agent.ts';
import { FakeRecorder } from '../fixtures/fake-recorder.ts';
import { startCountingServer, startRedirectChainServer, type CountingServer } from '../fixtures/counting-server.ts';
import { startHangingServer } from '../fixtures/misbehaving-servers.ts';

let server: CountingServer;
before(async () => {
  server = await startCountingServer({
    '/login': { headers: { 'set-cookie': ['sid=abc; Path=/', 'theme=dark'] }, body: '{"token":"t"}' },
    '/json': { headers: { 'content-type': 'application/json' }, body: '{"items":[1,2,3]}' },
    '/missing': { status: 404 },
  });
});
after(() => server.close());

describe('lean session', () => {
  it('uses a LeanAgent and counts exactly what the server saw, across methods and bodies', async () => {
    server.reset();
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: server.url, recorder, lean: true });
    try {
      const posted = await session.post('/things', { json: { a: 1 } });
      assert.equal(posted.status, 200);
      assert.equal(server.last('POST', '/things')!.body.toString(), '{"a":1}');
      assert.equal(server.last('POST', '/things')!.headers['content-type'], 'application/json');
      const got = await session.get('/json', { query: { page: 2 } });
      assert.deepEqual(got.json(), { items: [1, 2, 3] });
      assert.equal(got.headers['content-type'], 'application/json');
      assert.equal(server.last('GET', '/json')!.url, '/json?page=2');
      await session.head('/json');
      await session.delete('/things/1', { name: '/things/:id' });
      const missing = await session.get('/missing');
      assert.deepEqual(missing.error, { kind: 'http_4xx', message: 'HTTP 404' });
      assert.equal(recorder.calls.length, server.total());
      assert.deepEqual(recorder.calls.map((c) => `${c.method} ${c.name}`), ['POST /things', 'GET /json', 'HEAD /json', 'DELETE /things/:id', 'GET /missing']);
      assert.ok(recorder.calls.every((c) => c.bytes > 0 && c.latencyUs > 0));
    } finally {
      await session.close();
    }
  });

  it('cookies from Set-Cookie go back to the same host; default headers are sent', async () => {
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: server.url, recorder, lean: true });
    try {
      session.defaultHeaders.authorization = 'Bearer x';
      await session.post('/login');
      assert.equal(session.cookies.get('sid'), 'abc');
      await session.get('/me');
      assert.equal(server.last('GET', '/me')!.headers.cookie, 'sid=abc; theme=dark');
      assert.equal(server.last('GET', '/me')!.headers.authorization, 'Bearer x');
    } finally {
      await session.close();
    }
  });

  it('catchResponse: the verdict decides, recorded once', async () => {
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: server.url, recorder, lean: true });
    try {
      const res = await session.get('/missing', { catchResponse: true });
      res.success();
      await Promise.resolve();
      session.flush();
      assert.deepEqual(recorder.kinds(), [undefined]);
    } finally {
      await session.close();
    }
  });

  it('redirects: one record per hop, as many as the server saw', async () => {
    const chain = await startRedirectChainServer(3);
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: chain.url, recorder, lean: true });
    try {
      const res = await session.get('/chain/0');
      assert.equal(res.text(), 'end of chain');
      assert.equal(recorder.calls.length, 4);
      assert.equal(chain.total(), 4);
    } finally {
      await session.close();
      await chain.close();
    }
  });

  it('a shared LeanAgent serves many sessions over few connections; destroy() interrupts what is in flight', async () => {
    const hanging = await startHangingServer();
    const agent = createLeanDispatcher();
    assert.ok(agent instanceof LeanAgent);
    const recorder = new FakeRecorder();
    try {
      const sessions = Array.from({ length: 20 }, () => createHttpSession({ baseUrl: server.url, recorder, dispatcher: agent }));
      server.reset();
      await Promise.all(sessions.map((s) => s.get('/x')));
      await Promise.all(sessions.map((s) => s.get('/x')));
      assert.equal(server.count('GET', '/x'), 40);
      const stuck = createHttpSession({ baseUrl: hanging.url, recorder, dispatcher: agent });
      const pending = stuck.get('/never');
      await new Promise((r) => setTimeout(r, 50));
      await agent.destroy();
      const res = await pending;
      assert.equal(res.error?.kind, 'interrupted');
    } finally {
      await hanging.close();
    }
  });

  it('headers timeout and total timeout fire on the lean path too', async () => {
    const hanging = await startHangingServer();
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: hanging.url, recorder, lean: true, headersTimeoutMs: 150 });
    const total = createHttpSession({ baseUrl: hanging.url, recorder, lean: true, totalTimeoutMs: 150 });
    try {
      assert.deepEqual((await session.get('/')).error, { kind: 'timeout', message: 'headers timeout (150 ms)' });
      assert.deepEqual((await total.get('/')).error, { kind: 'timeout', message: 'total timeout (150 ms)' });
    } finally {
      await session.close();
      await total.close();
      await hanging.close();
    }
  });
});
