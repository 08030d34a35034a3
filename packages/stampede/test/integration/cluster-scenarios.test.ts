/**
 * Issue 10: scenarios on the cluster through the local runner's own scenario code. A ClusterMaster and two
 * ClusterWorkers (in-process user threads) on the real Redis, a namespace of the test's own: a custom load shape
 * (closed model: spawn / stop-users) and an arrival-rate scenario (start-arrival split over workers and threads)
 * side by side, exact counts against a loopback counting server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../src/clock.ts';
import { connectRedis } from '../../src/cluster/redis-connection.ts';
import { silentLogger } from '../../src/logger.ts';
import { LocalRunner } from '../../src/runner/local-runner.ts';
import { runScenarios } from '../../src/runner/scenario-run.ts';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { normalizeScenarios } from '../../src/workload/scenarios.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';
import { REDIS, hitterClass, openMaster, startWorker as startTestWorker } from '../fixtures/cluster-in-process.ts';

const Hitter = hitterClass(0.05);
const startWorker = (namespace: string, name: string) => startTestWorker(namespace, name, [Hitter]);

test('a load shape and an arrival-rate scenario side by side on two workers: shape targets reached, exact iteration count', async () => {
  const server = await startCountingServer();
  const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
  const redis = await connectRedis(REDIS, { name: 'test-master' });
  const master = await openMaster(redis, namespace, server.url);
  const workers = [await startWorker(namespace, 'wa'), await startWorker(namespace, 'wb')];
  try {
    assert.equal(await master.waitForWorkers(2, 20_000), true);
    const aggregate = new Aggregate({});
    const runner = new LocalRunner({ threads: [master.thread], aggregate, clock: systemClock, logger: silentLogger, classForUser: () => 'Hitter', snapshotTimeoutMs: 900 });
    const plans = normalizeScenarios({
      shaped: { executor: 'shape', maxUsers: 6, shape: (t) => (t < 2 ? { users: 2, spawnRate: Infinity } : t < 4 ? { users: 6, spawnRate: Infinity } : null) },
      // 25/s for 3 s: exactly 75 iterations, split over 2 workers × 2 threads.
      paced: { executor: 'constantArrivalRate', rate: 25, duration: '3s', preAllocatedUsers: 4, maxUsers: 12 },
    });
    const stop = new AbortController();
    const done = runScenarios({ runner, plans, classes: [Hitter], clock: systemClock, logger: silentLogger, signal: stop.signal, stopTimeoutMs: 2000 });
    master.runStarted(runner.startedAtMs);
    const bound = setTimeout(() => stop.abort(), 20_000);
    await done;
    clearTimeout(bound);
    await runner.stop(2000);
    assert.equal(stop.signal.aborted, false, 'both scenarios ended by themselves');

    const paced = runner.scenarioCounters.get('paced')!;
    assert.equal(paced.iterations + paced.dropped, 75, JSON.stringify(paced));
    assert.equal(runner.scenarioAggregates.get('paced')!.totals().requests, paced.iterations, 'one request per iteration');
    const shapedUsers = runner.scenarioAggregates.get('shaped')!.timeseries().map((p) => p.users);
    assert.ok(shapedUsers.includes(2) && shapedUsers.includes(6), `the shape's targets: ${shapedUsers.join(',')}`);
    assert.equal(Math.max(...shapedUsers), 6);
    const pacedUsers = runner.scenarioAggregates.get('paced')!.timeseries().map((p) => p.users);
    assert.ok(Math.max(...pacedUsers) >= 4, `the arrival users of both workers are counted: ${pacedUsers.join(',')}`);
    assert.equal(aggregate.totals().requests, server.total(), 'merged totals = what the server counted');
    const states = master.workerStates();
    assert.ok(states.every((w) => w.requests > 0), 'both workers ran a share');
  } finally {
    await master.close();
    for (const w of workers) w.worker.leave('cleanup');
    await Promise.all(workers.map((w) => w.exit));
    for (const r of [redis, ...workers.map((w) => w.redis)]) r.disconnect();
    await server.close();
  }
});
