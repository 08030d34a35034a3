// Followed redirects record one request per hop, so counts equal what the server saw (k6's rule).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpSession } from '../../src/http/session.ts';
import { FakeRecorder } from '../fixtures/fake-recorder.ts';
import { startCountingServer, startRedirectChainServer, type CountingServer } from '../fixtures/counting-server.ts';

let chain: CountingServer;
before(async () => {
  chain = await startRedirectChainServer(3);
});
after(() => chain.close());

describe('redirects', () => {
  it('each hop is one record, named by the path the server saw', async () => {
    chain.reset();
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: chain.url, recorder });
    try {
      const res = await session.get('/chain/0?x=1');
      assert.equal(res.status, 200);
      assert.equal(res.text(), 'end of chain');
      assert.equal(res.url, `${chain.url}/chain/3`);
      assert.deepEqual(recorder.calls.map((c) => c.name), ['/chain/0', '/chain/1', '/chain/2', '/chain/3']);
      assert.equal(recorder.calls.length, chain.total());
      assert.ok(recorder.calls.every((c) => c.error === undefined));
    } finally {
      await session.close();
    }
  });

  it('with an explicit name, later hops are "<name> (redirect)"', async () => {
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: chain.url, recorder });
    try {
      await session.get('/chain/1', { name: 'start' });
      assert.deepEqual(recorder.calls.map((c) => c.name), ['start', 'start (redirect)', 'start (redirect)']);
    } finally {
      await session.close();
    }
  });

  it('a loop stops after 10 followed hops: 11 records, the last a failure, as many as the server saw', async () => {
    chain.reset();
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: chain.url, recorder });
    try {
      const res = await session.get('/loop');
      assert.equal(res.status, 302);
      assert.deepEqual(res.error, { kind: 'other', message: 'too many redirects (more than 10)' });
      assert.equal(recorder.calls.length, 11);
      assert.equal(chain.count('GET', '/loop'), 11);
      assert.deepEqual(recorder.kinds().filter(Boolean), ['other']);
    } finally {
      await session.close();
    }
  });

  it('followRedirects: false returns the 3xx as a success', async () => {
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: chain.url, recorder });
    try {
      const res = await session.get('/chain/0', { followRedirects: false });
      assert.equal(res.status, 302);
      assert.equal(res.headers.location, '/chain/1');
      assert.equal(res.ok, true);
      assert.equal(recorder.calls.length, 1);
    } finally {
      await session.close();
    }
  });

  it('303 turns POST into a GET without body; 307 keeps method and body', async () => {
    const server = await startCountingServer({
      '/see-other': { status: 303, redirectTo: '/landing' },
      '/temporary': { status: 307, redirectTo: '/landing' },
    });
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: server.url, recorder });
    try {
      await session.post('/see-other', { json: { a: 1 } });
      assert.equal(server.count('GET', '/landing'), 1);
      assert.equal(server.last('GET', '/landing')!.body.length, 0);
      assert.equal(server.last('GET', '/landing')!.headers['content-type'], undefined);
      await session.post('/temporary', { json: { b: 2 } });
      assert.equal(server.count('POST', '/landing'), 1);
      assert.deepEqual(JSON.parse(server.last('POST', '/landing')!.body.toString()), { b: 2 });
      assert.deepEqual(recorder.calls.map((c) => `${c.method} ${c.name}`), [
        'POST /see-other', 'GET /landing', 'POST /temporary', 'POST /landing',
      ]);
    } finally {
      await session.close();
      await server.close();
    }
  });

  it('a redirect to another origin is named with its origin and does not carry Authorization or cookies', async () => {
    const other = await startCountingServer();
    const origin = await startCountingServer({
      '/away': { redirectTo: `${other.url}/elsewhere`, headers: { 'set-cookie': 'sid=1' } },
    });
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: origin.url, recorder });
    session.defaultHeaders.authorization = 'Bearer secret';
    try {
      await session.get('/away');
      assert.deepEqual(recorder.calls.map((c) => c.name), ['/away', `${other.url}/elsewhere`]);
      const seen = other.last('GET', '/elsewhere')!;
      assert.equal(seen.headers.authorization, undefined);
      assert.equal(seen.headers.cookie, undefined);
    } finally {
      await session.close();
      await origin.close();
      await other.close();
    }
  });
});
