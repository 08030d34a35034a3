// Timeouts say which one fired (headers vs body vs total); body_too_large discards the socket and the session
// keeps working; abortAll() records in-flight requests as interrupted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpSession } from '../../src/http/session.ts';
import { FakeRecorder } from '../fixtures/fake-recorder.ts';
import { startHangingServer, startHugeBodyServer, startSlowDripServer } from '../fixtures/misbehaving-servers.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';

describe('timeouts', () => {
  it('no answer at all → headers timeout', async () => {
    const server = await startHangingServer();
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: server.url, recorder, headersTimeoutMs: 150, totalTimeoutMs: 10_000 });
    try {
      const res = await session.get('/');
      assert.deepEqual(res.error, { kind: 'timeout', message: 'headers timeout (150 ms)' });
      assert.equal(recorder.calls.length, 1);
    } finally {
      await session.close();
      await server.close();
    }
  });

  it('head sent, then a body gap longer than bodyTimeoutMs → body timeout', async () => {
    const server = await startSlowDripServer({ intervalMs: 5_000 });
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: server.url, recorder, bodyTimeoutMs: 150, totalTimeoutMs: 20_000 });
    try {
      const res = await session.get('/');
      assert.deepEqual(res.error, { kind: 'timeout', message: 'body timeout (150 ms)' });
      assert.equal(res.status, 0);
      assert.equal(recorder.calls.length, 1);
      // The head was received and is counted in bytes.
      assert.ok(recorder.calls[0]!.bytes > 0);
    } finally {
      await session.close();
      await server.close();
    }
  });

  it('bytes keep dripping (no idle gap) but the whole takes too long → total timeout', async () => {
    const server = await startSlowDripServer({ intervalMs: 10, bodyBytes: 100_000 });
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: server.url, recorder, bodyTimeoutMs: 5_000, totalTimeoutMs: 60_000 });
    try {
      const res = await session.get('/', { timeoutMs: 300 });
      assert.deepEqual(res.error, { kind: 'timeout', message: 'total timeout (300 ms)' });
      assert.equal(recorder.calls.length, 1);
      assert.ok(recorder.calls[0]!.latencyUs >= 290_000);
    } finally {
      await session.close();
      await server.close();
    }
  });
});

describe('body_too_large', () => {
  for (const declareLength of [true, false]) {
    it(`${declareLength ? 'declared' : 'chunked'} body over maxBodyBytes is cut, and the next request works`, async () => {
      const server = await startHugeBodyServer({ bodyBytes: 8 * 1024 * 1024, declareLength });
      const recorder = new FakeRecorder();
      const session = createHttpSession({ baseUrl: server.url, recorder, maxBodyBytes: 256 * 1024 });
      try {
        const big = await session.get('/big');
        assert.deepEqual(big.error, { kind: 'body_too_large', message: 'body exceeds 262144 bytes' });
        assert.equal(big.body.length, 0);
        assert.ok(recorder.calls[0]!.bytes <= 256 * 1024 + 1024);
        const small = await session.get('/small');
        assert.equal(small.status, 200);
        assert.equal(small.text(), 'ok');
        assert.deepEqual(recorder.kinds(), ['body_too_large', undefined]);
      } finally {
        await session.close();
        await server.close();
      }
    });
  }

  it('a body at the limit is accepted whole', async () => {
    const server = await startHugeBodyServer({ bodyBytes: 300_000, declareLength: false });
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: server.url, recorder, maxBodyBytes: 300_000 });
    try {
      const res = await session.get('/exact');
      assert.equal(res.status, 200);
      assert.equal(res.body.length, 300_000);
      assert.ok(res.body.every((b) => b === 0x62));
    } finally {
      await session.close();
      await server.close();
    }
  });
});

describe('abortAll', () => {
  it('in-flight requests are recorded once as interrupted, others are unaffected', async () => {
    const hang = await startHangingServer();
    const counting = await startCountingServer();
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: hang.url, recorder });
    try {
      const done = await session.get(`${counting.url}/before`);
      assert.equal(done.status, 200);
      const first = session.get('/one');
      const second = session.post('/two', { json: { a: 1 } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      session.abortAll();
      const [one, two] = await Promise.all([first, second]);
      for (const res of [one, two]) {
        assert.equal(res.status, 0);
        assert.deepEqual(res.error, { kind: 'interrupted', message: 'interrupted' });
      }
      assert.deepEqual(recorder.kinds(), [undefined, 'interrupted', 'interrupted']);
      session.abortAll(); // nothing in flight: no effect, no extra record
      assert.equal(recorder.calls.length, 3);
    } finally {
      await session.close();
      await hang.close();
      await counting.close();
    }
  });

  it('a request aborted before its connection exists resolves at once', async () => {
    const hang = await startHangingServer();
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: hang.url, recorder });
    try {
      const pending = session.get('/x');
      session.abortAll();
      const res = await pending;
      assert.equal(res.error?.kind, 'interrupted');
      assert.equal(recorder.calls.length, 1);
    } finally {
      await session.close();
      await hang.close();
    }
  });
});
