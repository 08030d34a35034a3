// Issue 19, item 2: with `--cache redis://…`, after `kill -9` of Redis every logged-in route and the public /ar/:id
// answered 500 after 1.7–4.9 s until Redis returned, while /health/ready said 200. The cache is not the source of
// truth: a real `vertex-ar serve` with a private redis-server must keep answering from the database, each request
// bounded, and use the cache again once Redis is back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cliUser, startCli, type CliServer } from '../support/cli-server.ts';
import { form, smallJpeg } from '../support/media.ts';
import { REDIS_SERVER, startPrivateRedis, type PrivateRedis } from '../support/redis-server.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { metricValue, waitUntil } from '../support/wait-until.ts';

// Generous: the bypass makes a request wait the cache timeout (50 ms) at most; before the fix it was 1.7–4.9 s.
const BOUND_MS = 2000;
const REQUEST_TIMEOUT_MS = 20_000;
// A short cooldown so the recovery is seen quickly; the default is 5 s.
// One process: the breaker and its metrics are per process, and the test follows one breaker.
const API_ARGS = ['--workers', '1', '--cache-breaker-cooldown-ms', '300'];

interface Answer {
  status: number;
  body: any;
  ms: number;
}

async function get(api: CliServer, path: string, token?: string): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(api.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, ms: performance.now() - started };
}

async function post(api: CliServer, path: string, token: string, body: unknown): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(api.url + path, {
    method: 'POST', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    headers: { authorization: `Bearer ${token}`, ...(body instanceof FormData ? {} : { 'content-type': 'application/json' }) },
    body: body instanceof FormData ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), ms: performance.now() - started };
}

async function metrics(api: CliServer): Promise<string> {
  return (await get(api, '/metrics')).body as string;
}

function hits(text: string): number {
  return ['user', 'clients', 'portrait', 'ar'].reduce((n, c) => n + metricValue(text, `cache_hits_total{cache="${c}"}`), 0);
}

/** A user with a client and a portrait; the cached routes it reads, with what each answered before any fault. */
async function seed(api: CliServer, name: string) {
  const token = await cliUser(api.url, name);
  const client = await post(api, '/clients', token, { name: 'Ada' });
  const portrait = await post(api, '/portraits', token, form({ client_id: String(client.body.id) }, { field: 'image', bytes: await smallJpeg() }));
  assert.equal(portrait.status, 201, JSON.stringify(portrait.body));
  // Each route reads at least one cached thing: the profile (every logged-in route), a client list page, a
  // portrait's metadata, the public AR content (by its public id where the API has them, issue 19 item 6).
  const arId = portrait.body.public_id ?? portrait.body.id;
  const routes = [
    { path: '/users/me', token }, { path: '/clients', token }, { path: `/clients/${client.body.id}`, token },
    { path: `/portraits/${portrait.body.id}`, token }, { path: `/ar/${arId}` },
  ];
  const expected = new Map<string, unknown>();
  for (const r of routes) {
    const first = await get(api, r.path, r.token);
    assert.equal(first.status, 200, r.path);
    expected.set(r.path, first.body);
  }
  return { token, routes, expected };
}

type Seeded = Awaited<ReturnType<typeof seed>>;

/** Every route, `rounds` times: 200, the same content as before the fault, each within the bound. */
async function assertServedFromDatabase(api: CliServer, s: Seeded, rounds: number): Promise<number> {
  let slowest = 0;
  for (let i = 0; i < rounds; i++) {
    for (const r of s.routes) {
      const a = await get(api, r.path, r.token);
      assert.equal(a.status, 200, `${r.path}: ${JSON.stringify(a.body)}`);
      // view_count moves as /ar views are flushed; everything else is what the cache held.
      if (r.path.startsWith('/portraits/')) assert.equal(a.body.id, (s.expected.get(r.path) as { id: number }).id);
      else assert.deepEqual(a.body, s.expected.get(r.path), r.path);
      assert.ok(a.ms < BOUND_MS, `${r.path} took ${Math.round(a.ms)} ms`);
      slowest = Math.max(slowest, a.ms);
    }
  }
  return slowest;
}

/** Waits until the circuit has closed and the cache answers reads again (hits go up). */
async function waitForCacheInUse(api: CliServer, s: Seeded): Promise<void> {
  const hitsBefore = hits(await metrics(api));
  await waitUntil(api, 'the cache to be used again', async () => {
    for (const r of s.routes) assert.equal((await get(api, r.path, r.token)).status, 200);
    const text = await metrics(api);
    return metricValue(text, 'cache_circuit_open') === 0 && hits(text) > hitsBefore ? true : undefined;
  });
  const ready = await get(api, '/health/ready');
  assert.deepEqual([ready.status, ready.body.status, ready.body.checks.cache], [200, 'ok', 'ok']);
}

describe('Redis cache lost (issue 19)', { skip: REDIS_SERVER.skipReason }, () => {
  let redis: PrivateRedis;
  let api: CliServer;
  let seeded: Seeded;
  before(async () => {
    redis = await startPrivateRedis();
    api = await startCli(['--cache', redis.url, ...API_ARGS]);
    seeded = await seed(api, 'redisdown');
  });
  after(async () => {
    await api?.stop();
    await redis?.stop();
  });

  test('killed with SIGKILL: routes answer 200 from the database within the bound, readiness degraded, circuit open; used again after a restart', async () => {
    for (const r of seeded.routes) assert.equal((await get(api, r.path, r.token)).status, 200);
    assert.ok(hits(await metrics(api)) > 0, 'the cache was in use before the fault');

    await redis.kill();
    const slowest = await assertServedFromDatabase(api, seeded, 10);
    // A write during the outage lands and is read back (from the database).
    const created = await post(api, '/clients', seeded.token, { name: 'during-outage' });
    assert.equal(created.status, 201);
    assert.ok(created.ms < BOUND_MS);
    const list = await get(api, '/clients', seeded.token);
    assert.ok(list.body.items.some((c: { name: string }) => c.name === 'during-outage'));

    const ready = await get(api, '/health/ready');
    assert.equal(ready.status, 200, 'the cache is optional: still ready');
    assert.deepEqual(ready.body, { status: 'degraded', checks: { database: 'ok', storage: 'ok', cache: 'degraded' } });
    const text = await metrics(api);
    assert.equal(metricValue(text, 'cache_circuit_open'), 1);
    assert.ok(metricValue(text, 'cache_circuit_opens_total') >= 1);
    assert.ok(metricValue(text, 'cache_bypassed_total{reason="circuit_open"}') >= 1);
    assert.ok(metricValue(text, 'cache_errors_total{kind="error"}') >= 1);
    assert.equal(api.child.exitCode, null);

    await redis.restart();
    await waitForCacheInUse(api, { ...seeded, expected: new Map() });
    process.stdout.write(`# Redis killed: slowest request ${Math.round(slowest)} ms\n`);
  });

  test('hung (SIGSTOP): requests wait at most the cache timeout, the circuit opens on timeouts; used again after SIGCONT', async () => {
    await waitForCacheInUse(api, { ...seeded, expected: new Map() });
    // What each route answers now (the first test added a client), read before the fault.
    const now = new Map<string, unknown>();
    for (const r of seeded.routes) now.set(r.path, (await get(api, r.path, r.token)).body);
    redis.pause();
    let slowest;
    try {
      slowest = await assertServedFromDatabase(api, { ...seeded, expected: now }, 5);
      const created = await post(api, '/clients', seeded.token, { name: 'while-hung' });
      assert.equal(created.status, 201);
      assert.ok(created.ms < BOUND_MS, `a write took ${Math.round(created.ms)} ms`);
      const ready = await get(api, '/health/ready');
      assert.deepEqual([ready.status, ready.body.checks.cache], [200, 'degraded']);
      assert.ok(ready.ms < BOUND_MS);
      const text = await metrics(api);
      assert.ok(metricValue(text, 'cache_errors_total{kind="timeout"}') >= 1, 'timeouts counted');
      assert.equal(metricValue(text, 'cache_circuit_open'), 1);
    } finally {
      redis.resume();
    }
    await waitForCacheInUse(api, { ...seeded, expected: new Map() });
    process.stdout.write(`# Redis hung: slowest request ${Math.round(slowest)} ms\n`);
  });
});

describe('Redis unreachable while a write happens (issue 19)', { skip: REDIS_SERVER.skipReason }, () => {
  let redis: PrivateRedis;
  let proxy: TcpProxy;
  let api: CliServer;
  before(async () => {
    redis = await startPrivateRedis();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: redis.port });
    api = await startCli(['--cache', `redis://127.0.0.1:${proxy.port}`, ...API_ARGS]);
  });
  after(async () => {
    await api?.stop();
    await proxy?.close();
    await redis?.stop();
  });

  test('the lost invalidation is replayed before the cache serves again: no stale read once Redis is reachable', async () => {
    const s = await seed(api, 'redisreplay');
    // The first page of the client list is now in Redis (which keeps it: only the network is cut).
    assert.equal((await get(api, '/clients', s.token)).status, 200);
    await proxy.kill();
    const created = await post(api, '/clients', s.token, { name: 'written-while-cut' });
    assert.equal(created.status, 201);
    const names = async () => ((await get(api, '/clients', s.token)).body.items as Array<{ name: string }>).map((c) => c.name);
    assert.ok((await names()).includes('written-while-cut'), 'served from the database during the cut');
    await proxy.revive();
    await waitForCacheInUse(api, { ...s, expected: new Map() });
    // Twice: the first read may refill the entry, the second is then a hit of what the first stored.
    assert.ok((await names()).includes('written-while-cut'), 'no stale list after the recovery');
    assert.ok((await names()).includes('written-while-cut'), 'no stale list from the cache');
  });
});

describe('Redis down when the API starts (issue 19)', { skip: REDIS_SERVER.skipReason }, () => {
  let redis: PrivateRedis;
  let api: CliServer;
  before(async () => {
    redis = await startPrivateRedis();
    await redis.kill();
  });
  after(async () => {
    await api?.stop();
    await redis?.stop();
  });

  test('the API starts and serves from the database, readiness degraded; it uses Redis once Redis is up', async () => {
    api = await startCli(['--cache', redis.url, ...API_ARGS]);
    const s = await seed(api, 'redislate');
    await assertServedFromDatabase(api, s, 2);
    const ready = await get(api, '/health/ready');
    assert.deepEqual([ready.status, ready.body.status, ready.body.checks.cache], [200, 'degraded', 'degraded']);
    await redis.restart();
    await waitForCacheInUse(api, { ...s, expected: new Map() });
  });
});
