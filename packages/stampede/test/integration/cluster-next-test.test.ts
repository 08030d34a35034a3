/**
 * Issue 10: workers stay between the tests of the master's web UI. ClusterMaster.newTest() has the same workers
 * reload their threads (with the next test's host and seed) and answer `ready` again; each test gets a fresh
 * ClusterThread and counts exactly. Real Redis on loopback, in-process user threads; each test its own namespace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../src/clock.ts';
import { ClusterMaster } from '../../src/cluster/cluster-master.ts';
import { runKeys } from '../../src/cluster/keys.ts';
import type { FromWorker, ToWorker } from '../../src/cluster/protocol.ts';
import { connectRedis } from '../../src/cluster/redis-connection.ts';
import { silentLogger } from '../../src/logger.ts';
import { LocalRunner } from '../../src/runner/local-runner.ts';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';
import { REDIS, hitterClass, openMaster, startWorker as startTestWorker, type TestWorker } from '../fixtures/cluster-in-process.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const Hitter = hitterClass(0.01);

/** A worker, and the host of every user thread it loaded (one per thread, per load). */
async function startWorker(namespace: string, name: string): Promise<TestWorker & { hosts: (string | undefined)[] }> {
  const w = await startTestWorker(namespace, name, [Hitter]);
  return {
    ...w,
    get hosts() {
      return w.inits.map((i) => i.host);
    },
  };
}

/** One test on the master's current thread: `users` users for `ms`, then a graceful stop. */
async function runOneTest(master: ClusterMaster, users: number, ms: number): Promise<Aggregate> {
  const aggregate = new Aggregate({});
  const runner = new LocalRunner({ threads: [master.thread], aggregate, clock: systemClock, logger: silentLogger, classForUser: () => 'Hitter', snapshotTimeoutMs: 900 });
  runner.start(users, 100);
  master.runStarted(runner.startedAtMs);
  await sleep(ms);
  assert.deepEqual(master.workerStates().map((w) => w.state), ['running', 'running']);
  await runner.stop(1000);
  await runner.close();
  return aggregate;
}

test('the same two workers run a second test: fresh threads on the new host, exact totals for each test', async () => {
  const first = await startCountingServer();
  const second = await startCountingServer();
  const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
  const redis = await connectRedis(REDIS, { name: 'test-master' });
  const master = await openMaster(redis, namespace, first.url);
  const a = await startWorker(namespace, 'wa');
  const b = await startWorker(namespace, 'wb');
  try {
    assert.equal(await master.waitForWorkers(2, 20_000), true);
    const ids = master.workerStates().map((w) => w.id);

    // The first test: the workers loaded the script with the first host when they joined; nothing to reload.
    assert.equal(await master.newTest({ host: first.url, seed: 1 }, 20_000), 2);
    for (const w of [a, b]) assert.deepEqual(w.hosts, [first.url, first.url]);
    const one = await runOneTest(master, 4, 1500);
    assert.ok(one.totals().requests > 20, `enough requests: ${one.totals().requests}`);
    assert.equal(one.totals().requests, first.total(), 'test 1: merged totals = what the server counted');
    assert.equal(master.reportWorkers().reduce((n, w) => n + w.requests, 0), one.totals().requests);
    assert.deepEqual(master.workerStates().map((w) => w.state), ['stopped', 'stopped']);
    assert.equal(master.readyWorkers, 2, 'stopped workers are ready for the next test');

    // After it: fresh threads at once (same host), while nobody waits.
    master.reload({ host: first.url, seed: 2 });
    assert.deepEqual(master.workerStates().map((w) => w.state), ['joining', 'joining']);
    for (let i = 0; i < 200 && master.liveWorkers < 2; i++) await sleep(50);
    assert.deepEqual(master.workerStates().map((w) => w.state), ['ready', 'ready']);
    for (const w of [a, b]) assert.deepEqual(w.hosts, [first.url, first.url, first.url, first.url]);

    // The second test on another host: reloaded again, with it.
    const firstThread = master.thread;
    assert.equal(await master.newTest({ host: second.url, seed: 3 }, 20_000), 2);
    assert.notEqual(master.thread, firstThread, 'a fresh cluster thread for the new test');
    assert.deepEqual(master.workerStates().map((w) => [w.id, w.state, w.requests]), ids.map((id) => [id, 'ready', 0]), 'same workers, figures reset');
    for (const w of [a, b]) assert.deepEqual(w.hosts, [first.url, first.url, first.url, first.url, second.url, second.url]);
    const countedBefore = first.total();
    const two = await runOneTest(master, 6, 1500);
    assert.ok(two.totals().requests > 20, `enough requests: ${two.totals().requests}`);
    assert.equal(two.totals().requests, second.total(), 'test 2: merged totals = what the new host counted');
    assert.equal(first.total(), countedBefore, 'nothing more went to the first host');
    assert.equal(master.reportWorkers().reduce((n, w) => n + w.requests, 0), two.totals().requests, 'per-worker figures are this test only');

    // A third: reloaded once after the second (same host), not again at its start.
    master.reload({ host: second.url, seed: 4 });
    assert.equal(await master.newTest({ host: second.url, seed: 5 }, 20_000), 2);
    for (const w of [a, b]) assert.equal(w.hosts.length, 8);
    const three = await runOneTest(master, 2, 1200);
    assert.equal(three.totals().requests, second.total() - two.totals().requests, 'test 3: exact');

    await master.close();
    assert.equal(await a.exit, 'quit');
    assert.equal(await b.exit, 'quit');
  } finally {
    await master.close();
    a.worker.leave('cleanup');
    b.worker.leave('cleanup');
    await Promise.all([a.exit, b.exit]);
    for (const r of [redis, a.redis, b.redis]) r.disconnect();
    await first.close();
    await second.close();
  }
});

test('a worker still loading when a test is prepared is ready only after its reset; what it sends meanwhile is dropped', async () => {
  const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
  const redis = await connectRedis(REDIS, { name: 'test-master' });
  const master = await openMaster(redis, namespace, 'http://127.0.0.1:9');
  const keys = runKeys(namespace, master.runId);
  const workerId = 'by-hand-1';
  const up = (m: Record<string, unknown>) => redis.xadd(keys.up, '*', 'm', JSON.stringify({ ...m, workerId } as FromWorker));
  const down = async (): Promise<ToWorker[]> =>
    (await redis.xrange(keys.down(workerId), '-', '+')).map(([, f]) => JSON.parse(f[1]!) as ToWorker);
  const waitUntil = async (what: string, check: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 100 && !(await check()); i++) await sleep(50);
    assert.ok(await check(), what);
  };
  try {
    await up({ type: 'register', host: 'h', pid: 1, threads: 1 });
    await waitUntil('init sent', async () => (await down()).some((m) => m.type === 'init'));
    assert.equal(master.workerStates()[0]!.state, 'joining');

    const prepared = master.newTest({ host: 'http://127.0.0.1:10', seed: 5 }, 5_000);
    await waitUntil('reset sent', async () => (await down()).some((m) => m.type === 'reset'));
    assert.deepEqual((await down()).find((m) => m.type === 'reset'), { type: 'reset', host: 'http://127.0.0.1:10', seed: 5 });
    // Its answer to the init: still loading (the reset is next), and a stray snapshot is not this test's.
    await up({ type: 'ready', bundleHash: 'x' });
    await up({ type: 'snapshot', seq: 1, users: 0, stats: [{ delta: { endpoints: [{ method: 'GET', name: '/x', requests: 5 }] }, counters: {} }] });
    await up({ type: 'heartbeat', state: 'joining', users: 0, cpuPct: 3, rssBytes: 1 });
    await waitUntil('heartbeat seen', () => master.workerStates()[0]!.cpuPct === 3);
    assert.equal(master.workerStates()[0]!.state, 'joining');
    assert.equal(master.workerStates()[0]!.requests, 0, 'the stray snapshot was dropped');
    assert.equal(master.liveWorkers, 0);
    // Its answer to the reset: ready for the test.
    await up({ type: 'ready', bundleHash: 'x' });
    assert.equal(await prepared, 1);
    assert.equal(master.workerStates()[0]!.state, 'ready');
    assert.deepEqual(master.reportWorkers(), [{ id: workerId, requests: 0 }]);
  } finally {
    await master.close();
    redis.disconnect();
  }
});
