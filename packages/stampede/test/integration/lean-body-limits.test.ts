// Issue 11 goal 3: UserHost sends plain-http hops over the lean path, which first failed the "100 MB chunked body"
// e2e test (every request `interrupted`, none `body_too_large`): the thread's budget of bodies in flight (issue 12)
// was enforced on the undici path only. Here the lean path must give the same kinds as undici against the same
// misbehaving-server fixtures, enforce maxBodyBytes and the budget, and give every reserved byte back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpSession } from '../../src/http/session.ts';
import { createLeanDispatcher } from '../../src/http/lean/lean-agent.ts';
import { BODY_BUDGET_BYTES, releaseBodyBytes, reserveBodyBytes } from '../../src/http/body-budget.ts';

/** 0 when every byte reserved on this thread was given back: the whole budget can be reserved again. */
function bodyBytesInFlight(): number {
  if (!reserveBodyBytes(BODY_BUDGET_BYTES)) return -1;
  releaseBodyBytes(BODY_BUDGET_BYTES);
  return 0;
}
import { DEFAULT_MAX_HEAD_BYTES, ResponseParser } from '../../src/http/lean/response-parser.ts';
import type { HttpResponse } from '../../src/http/types.ts';
import { FakeRecorder } from '../fixtures/fake-recorder.ts';
import type { FixtureServer } from '../fixtures/fixture-server.ts';
import {
  startGarbageServer,
  startHangingServer,
  startHugeBodyServer,
  startHugeHeadersServer,
  startRefusingServer,
  startResetServer,
} from '../fixtures/misbehaving-servers.ts';

/** The kind (and message) of one GET on each transport. */
async function failureOf(url: string, lean: boolean, options: { maxBodyBytes?: number } = {}): Promise<HttpResponse> {
  const session = createHttpSession({ baseUrl: url, recorder: new FakeRecorder(), headersTimeoutMs: 200, lean, ...options });
  try {
    return await session.get('/thing');
  } finally {
    await session.close();
  }
}

const fixtures: Array<[string, () => Promise<FixtureServer>]> = [
  ['refuse', startRefusingServer],
  ['hang', startHangingServer],
  ['reset mid-body (RST)', () => startResetServer()],
  ['reset mid-body (FIN)', () => startResetServer({ mode: 'close' })],
  ['garbage bytes', startGarbageServer],
  ['huge headers', () => startHugeHeadersServer()],
  ['huge declared body', () => startHugeBodyServer({ bodyBytes: 4 * 1024 * 1024 })],
  ['huge chunked body', () => startHugeBodyServer({ bodyBytes: 4 * 1024 * 1024, declareLength: false })],
];

describe('lean path: the same failure kinds and body limits as undici', () => {
  for (const [name, start] of fixtures) {
    it(`${name}: same kind on both paths`, async () => {
      const server = await start();
      try {
        const viaUndici = await failureOf(server.url, false, { maxBodyBytes: 1024 * 1024 });
        const viaLean = await failureOf(server.url, true, { maxBodyBytes: 1024 * 1024 });
        assert.ok(viaUndici.error !== undefined && viaLean.error !== undefined);
        assert.equal(viaLean.error.kind, viaUndici.error.kind, `undici: ${viaUndici.error.message}; lean: ${viaLean.error.message}`);
        assert.equal(viaLean.body.length, 0);
        if (name.startsWith('huge ') && name.endsWith('body')) assert.equal(viaLean.error.kind, 'body_too_large');
      } finally {
        await server.close();
      }
      assert.equal(bodyBytesInFlight(), 0);
    });
  }

  it('sessions on one LeanAgent whose bodies in flight cross the thread budget: body_too_large, budget returned', async () => {
    // Each session allows 256 MiB, so only the thread's 128 MiB budget can stop a 200 MB chunked body (whatever
    // the interleaving of the two sockets).
    const server = await startHugeBodyServer({ bodyBytes: 200 * 1024 * 1024, declareLength: false });
    const agent = createLeanDispatcher();
    const recorder = new FakeRecorder();
    const sessions = Array.from({ length: 2 }, () =>
      createHttpSession({ baseUrl: server.url, recorder, dispatcher: agent, maxBodyBytes: 256 * 1024 * 1024 }),
    );
    try {
      const results = await Promise.all(sessions.map((s) => s.get('/huge')));
      for (const res of results) {
        assert.equal(res.error?.kind, 'body_too_large', res.error?.message);
        assert.match(res.error.message, /buffer budget/);
      }
      assert.equal(recorder.calls.length, 2);
      assert.equal(bodyBytesInFlight(), 0);
      // The pool recovers on fresh sockets and the budget is free again.
      const small = await sessions[0]!.get('/small');
      assert.equal(small.status, 200);
      assert.equal(small.text(), 'ok');
      assert.equal(bodyBytesInFlight(), 0);
    } finally {
      for (const s of sessions) await s.close();
      await agent.destroy();
      await server.close();
    }
  });

  it('a body handed to user code is released from the budget', async () => {
    const server = await startHugeBodyServer({ bodyBytes: 256 * 1024, declareLength: false });
    const session = createHttpSession({ baseUrl: server.url, recorder: new FakeRecorder(), lean: true });
    try {
      const res = await session.get('/body');
      assert.equal(res.status, 200);
      assert.equal(res.body.length, 256 * 1024);
      assert.equal(bodyBytesInFlight(), 0);
    } finally {
      await session.close();
      await server.close();
    }
  });

  // Issue 11 goal 3: the scratch buffer for split lines is allocated on the first split and grown to fit, no longer
  // 16 KiB up front per connection. A head of exactly the limit, its longest line split over 17 reads, still parses.
  it('a head of exactly the 16 KiB limit arriving in 1,000-byte pieces parses; one byte more is too large', () => {
    const tail = 'Content-Length: 2\r\n\r\n';
    const filler = DEFAULT_MAX_HEAD_BYTES - 'HTTP/1.1 200 OK\r\n'.length - 'X-Big: \r\n'.length - tail.length;
    for (const extra of [0, 1]) {
      const raw = Buffer.from(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(filler + extra)}\r\n${tail}ok`);
      const p = new ResponseParser();
      p.reset(false, true);
      let at = 0;
      for (let i = 0; i < raw.length && at !== -1 && !p.done; i += 1000) at = p.execute(raw.subarray(i, i + 1000));
      releaseBodyBytes(p.bodyBytes);
      if (extra === 0) {
        assert.ok(p.done, String(p.error));
        assert.equal(p.headBytes, DEFAULT_MAX_HEAD_BYTES);
        assert.equal(p.rawHeaders![1]!.length, filler);
        assert.equal(Buffer.concat(p.bodyChunks!).toString(), 'ok');
      } else {
        assert.equal(at, -1);
        assert.equal(p.error?.message, 'response headers too large');
      }
    }
    assert.equal(bodyBytesInFlight(), 0);
  });
});
