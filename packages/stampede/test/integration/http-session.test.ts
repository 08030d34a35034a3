// The session against a counting server: one record per exchange (totals equal what the server saw), names,
// query, bodies, header merging, status errors as values, bytes and latency, and measure() for custom clients.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpSession } from '../../src/http/session.ts';
import { createDispatcher } from '../../src/http/dispatcher.ts';
import { measure } from '../../src/http/measure.ts';
import { FakeRecorder } from '../fixtures/fake-recorder.ts';
import { startCountingServer, type CountingServer } from '../fixtures/counting-server.ts';

let server: CountingServer;
before(async () => {
  server = await startCountingServer({
    '/api/missing': { status: 404 },
    '/api/broken': { status: 503, body: 'down' },
    '/api/json': { headers: { 'content-type': 'application/json' }, body: '{"items":[1,2],"total":2}' },
  });
});
after(() => server.close());

describe('requests', () => {
  it('resolves paths against the base URL (with its path prefix), appends query, names without query', async () => {
    server.reset();
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: `${server.url}/api/`, recorder });
    try {
      const res = await session.get('/clients/7?x=1', { query: { page: 2, q: 'a b&c', flag: true } });
      assert.equal(res.status, 200);
      assert.equal(res.ok, true);
      assert.equal(res.error, undefined);
      assert.equal(res.url, `${server.url}/api/clients/7?x=1&page=2&q=a%20b%26c&flag=true`);
      assert.equal(server.last('GET', '/api/clients/7')?.url, '/api/clients/7?x=1&page=2&q=a%20b%26c&flag=true');
      assert.deepEqual(recorder.calls.map((c) => [c.method, c.name]), [['GET', '/clients/7']]);
      await session.get('/clients/8', { name: '/clients/:id' });
      assert.equal(recorder.calls[1]!.name, '/clients/:id');
    } finally {
      await session.close();
    }
  });

  it('HTTP error statuses are failures with kind and message, the response is still returned', async () => {
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: server.url, recorder });
    try {
      const missing = await session.get('/api/missing');
      const broken = await session.delete('/api/broken');
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.error, { kind: 'http_4xx', message: 'HTTP 404' });
      assert.equal(broken.status, 503);
      assert.equal(broken.text(), 'down');
      assert.equal(broken.ok, false);
      assert.deepEqual(recorder.calls.map((c) => c.error), [missing.error, broken.error]);
    } finally {
      await session.close();
    }
  });

  it('json body and lazy json(); default headers merged with per-request ones (per-request wins)', async () => {
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: server.url, recorder });
    session.defaultHeaders.Authorization = 'Bearer t1';
    session.defaultHeaders['X-Trace'] = 'default';
    try {
      const res = await session.post('/api/json', { json: { name: 'Ann' }, headers: { 'x-trace': 'override' } });
      assert.deepEqual(res.json(), { items: [1, 2], total: 2 });
      assert.equal(res.headers['content-type'], 'application/json');
      const seen = server.last('POST', '/api/json')!;
      assert.equal(seen.headers['content-type'], 'application/json');
      assert.equal(seen.headers.authorization, 'Bearer t1');
      assert.equal(seen.headers['x-trace'], 'override');
      assert.deepEqual(JSON.parse(seen.body.toString()), { name: 'Ann' });
      await session.put('/api/raw', { body: new Uint8Array([1, 2, 3]), headers: { 'content-type': 'application/x-raw' } });
      assert.deepEqual([...server.last('PUT', '/api/raw')!.body], [1, 2, 3]);
      assert.equal(server.last('PUT', '/api/raw')!.headers['content-type'], 'application/x-raw');
    } finally {
      await session.close();
    }
  });

  it('bytes count head and body; latency in µs is positive', async () => {
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: server.url, recorder });
    try {
      const res = await session.get('/api/json');
      const call = recorder.calls[0]!;
      assert.ok(call.bytes > res.body.length + 40, `bytes ${call.bytes} should include the head`);
      assert.ok(call.latencyUs > 0);
      assert.equal(Math.round(res.latencyMs * 1000), call.latencyUs);
      const head = await session.head('/api/json');
      assert.equal(head.body.length, 0);
      assert.equal(head.status, 200);
    } finally {
      await session.close();
    }
  });
});

describe('counts equal what the server saw', () => {
  it('50 sessions × 20 requests on one shared dispatcher, mixed statuses', async () => {
    server.reset();
    const dispatcher = createDispatcher({ connectionsPerOrigin: 16 });
    const recorder = new FakeRecorder();
    const paths = ['/api/ok', '/api/missing', '/api/broken', '/api/json'];
    const sessions = Array.from({ length: 50 }, () => createHttpSession({ baseUrl: server.url, recorder, dispatcher }));
    try {
      await Promise.all(
        sessions.map(async (session, s) => {
          for (let i = 0; i < 20; i++) await session.get(paths[(s + i) % paths.length]!);
        }),
      );
      assert.equal(server.total(), 1000);
      assert.equal(recorder.calls.length, 1000);
      for (const path of paths) {
        assert.equal(recorder.calls.filter((c) => c.name === path).length, server.count('GET', path), path);
      }
      assert.equal(recorder.kinds().filter((k) => k === 'http_5xx').length, server.count('GET', '/api/broken'));
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
      await dispatcher.close();
    }
  });
});

describe('measure', () => {
  it('records latency on success and a failure of kind other on throw (rethrown)', async () => {
    const recorder = new FakeRecorder();
    const value = await measure(recorder, 'GRPC', 'GetUser', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return 42;
    });
    assert.equal(value, 42);
    await assert.rejects(
      measure(recorder, 'GRPC', 'GetUser', async () => {
        throw new Error('UNAVAILABLE');
      }),
      /UNAVAILABLE/,
    );
    assert.equal(recorder.calls.length, 2);
    assert.ok(recorder.calls[0]!.latencyUs >= 4000);
    assert.equal(recorder.calls[0]!.error, undefined);
    assert.deepEqual(recorder.calls[1]!.error, { kind: 'other', message: 'UNAVAILABLE' });
  });
});
