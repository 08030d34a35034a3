// Every transport failure kind is classified right against its misbehaving-server fixture, recorded exactly once,
// and returned as a value (status 0 + error), never thrown.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpSession } from '../../src/http/session.ts';
import { classifyError } from '../../src/http/classify-error.ts';
import type { ErrorKind } from '../../src/stats/recorder.ts';
import { FakeRecorder } from '../fixtures/fake-recorder.ts';
import type { FixtureServer } from '../fixtures/fixture-server.ts';
import {
  startGarbageServer,
  startHangingServer,
  startHugeHeadersServer,
  startRefusingServer,
  startResetServer,
} from '../fixtures/misbehaving-servers.ts';

const cases: Array<{ kind: ErrorKind; fixture: string; start: () => Promise<FixtureServer>; message: RegExp }> = [
  { kind: 'connect_refused', fixture: 'refuse', start: startRefusingServer, message: /^connect ECONNREFUSED 127\.0\.0\.1:\d+$/ },
  { kind: 'timeout', fixture: 'hang', start: startHangingServer, message: /^headers timeout \(200 ms\)$/ },
  { kind: 'reset', fixture: 'reset mid-body (RST)', start: () => startResetServer(), message: /ECONNRESET/ },
  { kind: 'reset', fixture: 'reset mid-body (FIN)', start: () => startResetServer({ mode: 'close' }), message: /closed/ },
  { kind: 'parse_error', fixture: 'garbage bytes', start: startGarbageServer, message: /HTTP\/1\.1 protocol/ },
  { kind: 'parse_error', fixture: 'huge headers', start: () => startHugeHeadersServer(), message: /headers too large/ },
];

describe('transport failures are classified once, as values', () => {
  for (const c of cases) {
    it(`${c.fixture} → ${c.kind}`, async () => {
      const server = await c.start();
      const recorder = new FakeRecorder();
      const session = createHttpSession({ baseUrl: server.url, recorder, headersTimeoutMs: 200 });
      try {
        const res = await session.get('/thing?id=1');
        assert.equal(res.status, 0);
        assert.equal(res.ok, false);
        assert.equal(res.error?.kind, c.kind);
        assert.match(res.error!.message, c.message);
        assert.equal(res.body.length, 0);
        assert.equal(recorder.calls.length, 1);
        assert.deepEqual(recorder.calls[0]!.error, res.error);
        assert.equal(recorder.calls[0]!.name, '/thing');
        assert.ok(recorder.calls[0]!.latencyUs > 0);
      } finally {
        await session.close();
        await server.close();
      }
    });
  }

  it('an unresolvable host → dns', async () => {
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: 'http://stampede-test.invalid', recorder });
    try {
      const res = await session.get('/');
      assert.equal(res.error?.kind, 'dns');
      assert.match(res.error!.message, /stampede-test\.invalid/);
      assert.equal(recorder.calls.length, 1);
    } finally {
      await session.close();
    }
  });

  it('the same failure twice gives the same message (deduplication)', async () => {
    const server = await startGarbageServer();
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: server.url, recorder });
    try {
      await session.get('/a');
      await session.get('/a');
      assert.equal(recorder.calls[0]!.error!.message, recorder.calls[1]!.error!.message);
    } finally {
      await session.close();
      await server.close();
    }
  });
});

describe('classifyError on errors no fixture produces here', () => {
  const withCode = (code: string, message = 'x', extra: object = {}) => Object.assign(new Error(message), { code }, extra);
  const table: Array<[unknown, ErrorKind, RegExp?]> = [
    [withCode('UND_ERR_CONNECT_TIMEOUT'), 'timeout', /^connect timeout/],
    [withCode('UND_ERR_BODY_TIMEOUT'), 'timeout', /^body timeout/],
    [withCode('EAI_AGAIN', 'getaddrinfo EAI_AGAIN api.example'), 'dns', /EAI_AGAIN api\.example/],
    [withCode('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'tls', /self-signed/],
    [withCode('ERR_TLS_CERT_ALTNAME_INVALID', 'altnames'), 'tls'],
    [withCode('UND_ERR_DESTROYED', 'The client is destroyed'), 'interrupted'],
    [withCode('UND_ERR_RES_CONTENT_LENGTH_MISMATCH'), 'reset'],
    [withCode('HPE_INVALID_CHUNK_SIZE'), 'parse_error', /HPE_INVALID_CHUNK_SIZE/],
    [Object.assign(new AggregateError([withCode('ECONNREFUSED', '', { address: '::1', port: 9 })]), { code: 'ECONNREFUSED' }), 'connect_refused', /^connect ECONNREFUSED ::1:9$/],
    [Object.assign(new TypeError('fetch failed'), { cause: withCode('ECONNRESET') }), 'reset'],
    [new Error('something odd'), 'other', /^something odd$/],
    ['a string', 'other'],
  ];
  for (const [error, kind, message] of table) {
    it(`${(error as { code?: string }).code ?? String(error)} → ${kind}`, () => {
      const value = classifyError(error);
      assert.equal(value.kind, kind);
      if (message) assert.match(value.message, message);
      assert.ok(value.message.length <= 200);
    });
  }
});
