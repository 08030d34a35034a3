/**
 * The raw-mode lean loop on real sockets (issue 11): counts equal what the counting server saw, every transport
 * failure kind is classified as on the undici path, chunked and close-delimited bodies from node:http work.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { LeanLoadLoop } from '../../src/runner/raw/lean-loop.ts';
import { buildRequest } from '../../src/http/lean/request-head.ts';
import { StatsSet } from '../../src/stats/stats-set.ts';
import type { StatsDelta } from '../../src/stats/types.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';
import { listenFixture, type FixtureServer } from '../fixtures/fixture-server.ts';
import {
  startGarbageServer,
  startHangingServer,
  startHugeHeadersServer,
  startRefusingServer,
  startResetServer,
  startSlowDripServer,
} from '../fixtures/misbehaving-servers.ts';

async function runLoop(
  server: FixtureServer,
  ms: number,
  extra: { method?: string; connections?: number; rate?: number; timeoutMs?: number; preconnect?: boolean } = {},
) {
  const stats = new StatsSet();
  const method = extra.method ?? 'GET';
  const timeoutMs = extra.timeoutMs ?? 5_000;
  const t0 = performance.now();
  const loop = new LeanLoadLoop({
    target: { host: '127.0.0.1', port: server.port, connectTimeoutMs: timeoutMs, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs },
    request: buildRequest(method, '/hit?q=1', `127.0.0.1:${server.port}`, [], method === 'POST' ? 'payload' : undefined),
    isHead: method === 'HEAD',
    connections: extra.connections ?? 4,
    method,
    name: '/hit',
    recorder: stats,
    pacing: extra.rate ? { firstSlotMs: t0, intervalMs: 1000 / extra.rate } : undefined,
    sweepMs: 20,
  });
  if (extra.preconnect) await loop.preconnect();
  await loop.run(t0 + ms);
  const delta: StatsDelta = stats.snapshot();
  const requests = delta.endpoints.reduce((n, e) => n + e.requests, 0);
  return { delta, requests, schedule: loop.schedule, kinds: delta.errors.map((e) => `${e.kind}: ${e.error}`) };
}

describe('lean load loop', () => {
  for (const method of ['GET', 'POST', 'HEAD']) {
    it(`closed loop ${method}: recorded requests equal what the counting server saw`, async () => {
      const server = await startCountingServer();
      try {
        const { requests, delta } = await runLoop(server, 300, { method });
        assert.ok(requests > 0); // issue #24: how many fit in 300 ms is a speed figure, not this test's claim
        assert.equal(requests, server.count(method, '/hit'));
        assert.equal(delta.endpoints[0]!.failures, 0);
        if (method === 'POST') assert.equal(server.last('POST', '/hit')!.body.toString(), 'payload');
      } finally {
        await server.close();
      }
    });
  }

  it('open model: exactly the slots of the schedule, each seen by the server', async () => {
    const server = await startCountingServer();
    try {
      const { requests, delta, schedule } = await runLoop(server, 500, { rate: 100, connections: 3 });
      // Each slot is sent or, when every connection was still busy at the end, reported dropped.
      assert.equal(schedule.started, requests);
      assert.equal(requests + schedule.dropped, 50);
      // Issue #24: not `≥ 45`: how many slots a loaded machine still sends on time is a speed figure (bench/, goal 4;
      // a load average of 28 here sent 5 of 50); the test's claim is the bookkeeping above, on a run that did send.
      assert.ok(requests > 0, `${requests} of 50 sent`);
      assert.equal(server.count('GET', '/hit'), requests);
      assert.ok(delta.endpoints[0]!.correctedHistogram, 'corrected latency recorded');
    } finally {
      await server.close();
    }
  });

  it('open model: the slots go round every connection (each stays warm, as wrk and k6 use theirs)', async () => {
    const ports: number[] = [];
    const server = await listenFixture(
      createServer((req, res) => {
        ports.push(req.socket.remotePort!);
        res.end('ok');
      }),
    );
    try {
      // 40 req/s over 4 connections: one request in flight at a time, so every connection is idle when its turn
      // comes; taking the most recently freed one instead would send all of them on one connection.
      // Issue #24: a difference of at most 1 between connections held only when no response was ever slower than
      // a slot, and a starved generator sends its backlog back to back. What holds at any speed: all four are idle at
      // the start, so the first four slots take four different connections in turn (the most recently freed one
      // would be taken again as soon as it is back), and over the run every connection carries requests.
      const { requests, schedule } = await runLoop(server, 1000, { rate: 40, connections: 4, preconnect: true });
      assert.equal(requests + schedule.dropped, 40);
      assert.ok(requests >= 4, `${requests} of 40 sent`);
      assert.equal(new Set(ports.slice(0, 4)).size, 4, `the first four on four connections: ${ports.slice(0, 4).join(', ')}`);
      assert.equal(new Set(ports).size, 4, 'every connection carried requests');
    } finally {
      await server.close();
    }
  });

  it('HTTP error statuses count as failures, apart from transport failures', async () => {
    const server = await startCountingServer({ '/hit': { status: 503 } });
    try {
      const { requests, kinds } = await runLoop(server, 100, { connections: 1 });
      assert.equal(requests, server.count('GET', '/hit'));
      assert.deepEqual(kinds, ['http_5xx: HTTP 503']);
    } finally {
      await server.close();
    }
  });

  it('chunked and close-delimited bodies from node:http', async () => {
    let n = 0;
    const server = await listenFixture(
      createServer((_req, res) => {
        if (++n % 2 === 0) {
          res.write('part one, ');
          setImmediate(() => res.end('part two'));
        } else {
          res.setHeader('connection', 'close');
          res.end('closing');
        }
      }),
    );
    try {
      const { requests, delta } = await runLoop(server, 200, { connections: 2 });
      assert.equal(requests, n);
      assert.equal(delta.endpoints[0]!.failures, 0);
    } finally {
      await server.close();
    }
  });

  const failures: Array<[string, () => Promise<FixtureServer>, string]> = [
    ['refused', startRefusingServer, 'connect_refused'],
    ['hanging', startHangingServer, 'timeout: headers timeout (150 ms)'],
    ['slow drip', () => startSlowDripServer({ intervalMs: 1000 }), 'timeout: body timeout (150 ms)'],
    ['reset mid-body', () => startResetServer(), 'reset'],
    ['closed mid-body', () => startResetServer({ mode: 'close' }), 'reset: connection closed by peer mid-body'],
    ['garbage', startGarbageServer, 'parse_error'],
    ['huge headers', () => startHugeHeadersServer(), 'parse_error: response headers too large'],
  ];
  for (const [fixture, start, expected] of failures) {
    it(`${fixture} → ${expected}`, async () => {
      const server = await start();
      try {
        const { requests, delta, kinds } = await runLoop(server, 250, { connections: 1, timeoutMs: 150 });
        assert.ok(requests >= 1);
        assert.equal(delta.endpoints[0]!.failures, requests, 'every request failed');
        assert.ok(kinds.length >= 1);
        for (const k of kinds) assert.ok(k.startsWith(expected), `${k} should start with ${expected}`);
      } finally {
        await server.close();
      }
    });
  }

  it('preconnect resolves whether the target accepts or refuses; a refused connect is then reported by the run', async () => {
    const refusing = await startRefusingServer();
    const refused = await runLoop(refusing, 250, { connections: 3, timeoutMs: 150, preconnect: true });
    assert.ok(refused.requests >= 1);
    for (const k of refused.kinds) assert.ok(k.startsWith('connect_refused'), k);
    const server = await startCountingServer();
    try {
      const { requests } = await runLoop(server, 200, { connections: 3, preconnect: true });
      assert.equal(requests, server.count('GET', '/hit'));
    } finally {
      await server.close();
    }
  });
});
