/**
 * ClusterMaster and ClusterWorker in one process against the real Redis on loopback (issue 10): workers run
 * in-process user threads, so these tests are quick and exact. Each test has its own namespace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../src/clock.ts';
import { STAMPEDE_ENTRY, bundleHash } from '../../src/cluster/bundle-files.ts';
import { ClusterWorker } from '../../src/cluster/cluster-worker.ts';
import { namespaceKeys, runKeys } from '../../src/cluster/keys.ts';
import { connectRedis } from '../../src/cluster/redis-connection.ts';
import { silentLogger } from '../../src/logger.ts';
import { InProcessUserThread } from '../../src/runner/in-process-thread.ts';
import { LocalRunner } from '../../src/runner/local-runner.ts';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';
import { REDIS, bundleText, hitterClass, openMaster, startWorker as startTestWorker } from '../fixtures/cluster-in-process.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it holds; gives up after a generous deadline (the caller then asserts). */
async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check() && Date.now() < deadline; ) await sleep(20);
}
const Hitter = hitterClass(0.01);
const startWorker = (namespace: string, name: string) => startTestWorker(namespace, name, [Hitter]);

test('two workers: every request merged exactly once, also across a worker leaving mid-run', async () => {
  const server = await startCountingServer();
  const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
  const redis = await connectRedis(REDIS, { name: 'test-master' });
  const master = await openMaster(redis, namespace, server.url);
  const a = await startWorker(namespace, 'wa');
  const b = await startWorker(namespace, 'wb');
  try {
    assert.equal(await master.waitForWorkers(2, 20_000), true);
    const aggregate = new Aggregate({});
    const runner = new LocalRunner({ threads: [master.thread], aggregate, clock: systemClock, logger: silentLogger, classForUser: () => 'Hitter', snapshotTimeoutMs: 900 });
    runner.start(6, 100);
    master.runStarted(runner.startedAtMs);
    // Issue #24: fixed 1.5 s sleeps decided how far the spread had got. Wait for the master to see all 6 users
    // placed (and requests flowing), then the split must be even.
    const users = () => master.workerStates().reduce((n, w) => n + w.users, 0);
    await until(() => users() === 6 && server.total() >= 30);
    const before = master.workerStates();
    assert.deepEqual(before.map((w) => w.users).sort(), [3, 3], 'users spread evenly');
    // A worker leaving hands back its last deltas (bye); its users start again on the other one.
    b.worker.leave('test');
    assert.equal(await b.exit, 'left');
    const leftAt = server.total();
    await until(() => master.workerStates().some((w) => w.state === 'running' && w.users === 6) && server.total() >= leftAt + 30);
    const after = master.workerStates();
    assert.deepEqual(after.map((w) => [w.state, w.users]).sort(), [['left', 0], ['running', 6]]);
    await runner.stop(1000);
    await master.close();
    assert.equal(await a.exit, 'quit');

    const totals = aggregate.totals();
    assert.ok(totals.requests > 50, `enough requests: ${totals.requests}`);
    assert.equal(totals.requests, server.total(), 'merged totals = what the server counted');
    const report = master.reportWorkers();
    assert.equal(report.reduce((n, w) => n + w.requests, 0), totals.requests, 'per-worker figures add up');
    assert.equal(report.filter((w) => w.lost_at !== undefined).length, 1, 'the report says which worker left');
    assert.equal(await redis.exists(`${namespace}:master`), 0, 'the lease is released');
    assert.deepEqual(await redis.keys(`${namespace}:*`), [], 'the run keys are removed');
  } finally {
    await master.close();
    a.worker.leave('cleanup');
    b.worker.leave('cleanup');
    await Promise.all([a.exit, b.exit]);
    for (const r of [redis, a.redis, b.redis]) r.disconnect();
    await server.close();
  }
});

test('namespaces keep runs apart: one master per namespace, workers join only their own', async () => {
  const ns1 = `test-cluster-${randomBytes(6).toString('hex')}`;
  const ns2 = `test-cluster-${randomBytes(6).toString('hex')}`;
  const redis = await connectRedis(REDIS, { name: 'test-master' });
  const m1 = await openMaster(redis, ns1, 'http://127.0.0.1:9');
  const m2 = await openMaster(redis, ns2, 'http://127.0.0.1:9');
  const w1 = await startWorker(ns1, 'w1');
  try {
    await assert.rejects(openMaster(redis, ns1, 'http://127.0.0.1:9'), { code: 'STAMPEDE_ERR_CLUSTER_BUSY' });
    assert.equal(await m1.waitForWorkers(1, 20_000), true);
    // The worker of ns1 never shows up in ns2.
    await assert.rejects(m2.waitForWorkers(1, 1500), { code: 'STAMPEDE_ERR_CLUSTER_TIMEOUT' });
    assert.deepEqual(m2.workerStates(), []);
    assert.equal(m1.workerStates().length, 1);
  } finally {
    await m1.close();
    await m2.close();
    assert.equal(await w1.exit, 'quit');
    for (const r of [redis, w1.redis]) r.disconnect();
  }
});

test('a worker leaves on its own when the master has been gone for its timeout', async () => {
  // A master by hand, at the protocol level: a lease that is never renewed, and the init answer to the register.
  const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
  const runId = 'by-hand';
  const keys = runKeys(namespace, runId);
  const redis = await connectRedis(REDIS, { name: 'test-master' });
  await redis.set(namespaceKeys(namespace).master, JSON.stringify({ runId, host: 'test', pid: 1, startedAt: Date.now() }), 'PX', 1500);
  await redis.set(keys.bundle, bundleText, 'EX', 60);
  const wredis = await connectRedis(REDIS, { name: 'test-w' });
  const worker = new ClusterWorker({
    redis: wredis, namespace, threads: 1, createThread: (init) => new InProcessUserThread(init, [Hitter]),
    resources: () => ({ cpuPct: 1, rssBytes: 1 }), clock: systemClock, logger: silentLogger, host: 'w', pid: 1, masterTimeoutMs: 500,
  });
  const exit = worker.run();
  try {
    const reply = (await redis.xread('BLOCK', 10_000, 'STREAMS', keys.up, '0')) as [string, [string, string[]][]][] | null;
    const register = JSON.parse(reply![0]![1][0]![1][1]!) as { type: string; workerId: string };
    assert.equal(register.type, 'register');
    assert.equal(register.workerId, worker.id);
    const init = { type: 'init', bundleHash: bundleHash(bundleText), stampedeEntry: STAMPEDE_ENTRY, logLevel: 'warning', maxNames: 10, seed: 1 };
    await redis.xadd(keys.down(worker.id), '*', 'm', JSON.stringify(init));
    // The lease expires 1.5 s after it was set and nobody renews it: gone, then 0.5 s later the worker leaves.
    assert.equal(await exit, 'master-gone');
    const said = await redis.xrange(keys.up, '-', '+');
    const types = said.map(([, f]) => (JSON.parse(f[1]!) as { type: string }).type);
    assert.deepEqual([types[0], types[1], types.at(-1)], ['register', 'ready', 'bye']);
  } finally {
    await redis.del(keys.bundle, keys.up, keys.down(worker.id));
    redis.disconnect();
    wredis.disconnect();
  }
});
