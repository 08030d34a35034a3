// Issue 19, item 1: a PostgreSQL connection reset during writes crashed the API ("Emitted 'error' event on Client
// instance … ECONNRESET"; with --workers 2 both workers died). A TCP proxy between the API (a real `vertex-ar serve`
// child process, so a crash is seen) and a private PostgreSQL database is killed while writes and reads are in
// flight, then brought back on the same port.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCli, cliUser, type CliServer } from '../support/cli-server.ts';
import { createTestDatabase, POSTGRES, type TestDatabase } from '../support/postgres.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { metricValue, waitUntil } from '../support/wait-until.ts';

/** One answered (or failed) request of the load. */
interface Outcome {
  method: 'GET' | 'POST';
  /** HTTP status, or the transport failure (`error: …`, `timeout`). */
  status: number | string;
  code?: string;
  retryAfter: string | null;
  startedAt: number;
  endedAt: number;
}

const LOOPS = 6;
const MAX_REQUESTS_PER_LOOP = 3000;
const REQUEST_TIMEOUT_MS = 20_000;

async function send(url: string, method: 'GET' | 'POST', token: string, body?: unknown): Promise<Outcome> {
  const startedAt = performance.now();
  try {
    const res = await fetch(url, {
      method, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const code = res.headers.get('content-type')?.includes('json') ? JSON.parse(text).error?.code : undefined;
    return { method, status: res.status, code, retryAfter: res.headers.get('retry-after'), startedAt, endedAt: performance.now() };
  } catch (err) {
    const status = (err as Error).name === 'TimeoutError' ? 'timeout' : `error: ${(err as Error).message}`;
    return { method, status, retryAfter: null, startedAt, endedAt: performance.now() };
  }
}

/** Writes and reads from LOOPS concurrent loops until stopped (bounded in count and by the request timeout). */
function startLoad(base: string, token: string) {
  const outcomes: Outcome[] = [];
  let stopped = false;
  let n = 0;
  const loops = Array.from({ length: LOOPS }, async (_, loop) => {
    for (let i = 0; i < MAX_REQUESTS_PER_LOOP && !stopped; i++) {
      const o = i % 2 === 0
        ? await send(`${base}/clients`, 'POST', token, { name: `load-${loop}-${i}-${n++}` })
        : await send(`${base}/clients?limit=5`, 'GET', token);
      outcomes.push(o);
      // During the outage answers come back in a millisecond; no need to spin on them.
      if (o.status !== 200 && o.status !== 201) await sleep(5);
    }
  });
  return {
    outcomes,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

for (const workers of [1, 2]) {
  describe(`PostgreSQL lost mid-run, --workers ${workers} (issue 19)`, { skip: POSTGRES.skipReason }, () => {
    let db: TestDatabase;
    let proxy: TcpProxy;
    let api: CliServer;
    let token: string;

    before(async () => {
      db = await createTestDatabase();
      proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(db.url).port || 5432) });
      const viaProxy = new URL(db.url);
      viaProxy.port = String(proxy.port);
      api = await startCli(['--db', viaProxy.toString(), '--workers', String(workers)]);
      token = await cliUser(api.url, `pgoutage${workers}`);
    });
    after(async () => {
      await api?.stop();
      await proxy?.close();
      await db?.drop();
    });

    test('requests in flight and during the outage get 503 with Retry-After; the API stays up and serves again once the database is back', async () => {
      const load = startLoad(api.url, token);
      let killedAt = 0;
      let outage;
      try {
        // Kill the database connections in the middle of a stream of writes and reads.
        await waitUntil(api, 'successful writes before the cut', async () => (load.outcomes.filter((o) => o.status === 201).length >= 20 ? true : undefined));
        killedAt = performance.now();
        await proxy.kill();
        const refusedSinceKill = () => load.outcomes.filter((o) => o.startedAt > killedAt && o.status !== 200 && o.status !== 201).length;
        await waitUntil(api, 'answers during the outage', async () => (refusedSinceKill() >= 20 ? true : undefined));
        outage = await getJson(`${api.url}/health/ready`);
        await proxy.revive();
        // The pool reconnects by itself: no restart, the same process.
        await waitUntil(api, 'a successful read after the database came back', async () =>
          ((await send(`${api.url}/clients`, 'GET', token)).status === 200 ? true : undefined));
      } finally {
        await load.stop();
      }

      assert.equal(api.child.exitCode, null, `the API exited: ${api.stderr()}`);
      assert.equal(api.child.signalCode, null);
      assert.doesNotMatch(api.stderr(), /died|Unhandled 'error' event|ECONNRESET/, 'no process or worker died');

      const outcomes = load.outcomes;
      const statuses = new Set(outcomes.map((o) => o.status));
      assert.deepEqual([...statuses].filter((s) => s !== 200 && s !== 201 && s !== 503), [], 'only 200, 201 and 503: never a 500, a reset or a hang');
      const refused = outcomes.filter((o) => o.status === 503);
      for (const o of refused) {
        assert.equal(o.retryAfter, '1');
        assert.ok(o.code === 'VERTEX_ERR_DB_UNAVAILABLE' || o.code === 'VERTEX_ERR_UNAVAILABLE', String(o.code));
      }
      assert.ok(refused.some((o) => o.code === 'VERTEX_ERR_DB_UNAVAILABLE' && o.method === 'POST'), 'writes during the outage got the database 503');
      assert.ok(outcomes.some((o) => o.startedAt < killedAt && o.endedAt > killedAt), 'requests were in flight when the connections were cut');
      const slowest = Math.max(...outcomes.map((o) => o.endedAt - o.startedAt));
      assert.ok(slowest < REQUEST_TIMEOUT_MS / 2, `every request answered in bounded time (slowest ${Math.round(slowest)} ms)`);

      assert.equal(outage!.status, 503, JSON.stringify(outage!.body));
      assert.equal(outage!.body.checks.database, 'failed');
      const ready = await getJson(`${api.url}/health/ready`);
      assert.deepEqual([ready.status, ready.body.checks.database], [200, 'ok']);

      // Nothing acknowledged was lost; a write after the recovery lands and reads back.
      const acknowledged = outcomes.filter((o) => o.status === 201).length;
      const after = await send(`${api.url}/clients`, 'POST', token, { name: 'after-recovery' });
      assert.equal(after.status, 201);
      assert.ok((await db.rowCounts()).clients >= acknowledged + 1);

      const metrics = (await getJson(`${api.url}/metrics`)).body as string;
      assert.ok(metricValue(metrics, 'db_unavailable_total') >= 1, 'refusals counted');
      assert.ok(metricValue(metrics, 'db_client_errors_total') >= 1, 'lost connections counted');
      process.stdout.write(`# --workers ${workers}: ${outcomes.length} requests, ${refused.length} answered 503, slowest ${Math.round(slowest)} ms\n`);
    });
  });
}
