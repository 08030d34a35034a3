/**
 * "A worker's CPU over 90 % is flagged" (issue 10): the master reads each worker's CPU from its heartbeats, warns
 * once per worker that goes over the limit, and reports the highest figure; a worker under it is not flagged.
 * Real Redis on loopback; workers in this process report the CPU the test gives them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connectRedis } from '../../src/cluster/redis-connection.ts';
import { type Logger } from '../../src/logger.ts';
import { HttpUser } from '../../src/user/user.ts';
import { task } from '../../src/user/task.ts';
import { constant } from '../../src/user/wait-time.ts';
import { REDIS, openMaster, startWorker } from '../fixtures/cluster-in-process.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it holds; fails after a generous deadline (the test waits on events, not time). */
async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

class Idle extends HttpUser {
  static override waitTime = constant(1);
  @task async nothing() {}
}

test('a worker over 90 % CPU is flagged once, with a warning naming it; one under it is not', async () => {
  const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
  const warnings: string[] = [];
  const logger: Logger = { log: (level, message) => void (level === 'warning' && warnings.push(message)) };
  const redis = await connectRedis(REDIS, { name: 'test-master' });
  const master = await openMaster(redis, namespace, undefined, logger);
  const cpu = { busy: 40, calm: 40 };
  const workers = await Promise.all(
    (['busy', 'calm'] as const).map((name) =>
      startWorker(namespace, name, [Idle], { threads: 1, heartbeatMs: 100, resources: () => ({ cpuPct: cpu[name], rssBytes: 50e6 }) }),
    ),
  );
  try {
    assert.equal(await master.waitForWorkers(2, 10_000), true);
    // Issue #24: fixed 400 ms sleeps decided which heartbeats the master had read. Now each step waits until the
    // master shows the figure the busy worker's latest heartbeat carries: a distinct value per step, so each wait
    // ends on a heartbeat read, and the over-limit ones are four distinct heartbeats (one warning for all).
    const busyCpu = () => master.workerStates().find((w) => w.id === workers[0]!.worker.id)?.cpuPct;
    await until('both workers heard from', () => master.workerStates().every((w) => w.cpuPct === 40) && master.workerStates().length === 2);
    assert.deepEqual(master.cpu(), { maxPct: 40, flagged: false }, 'both under the limit');
    for (const pct of [96.5, 97, 96, 95]) {
      cpu.busy = pct;
      await until(`a heartbeat with ${pct} %`, () => busyCpu() === pct);
    }
    const flagged = master.cpu();
    assert.equal(flagged.flagged, true);
    assert.equal(flagged.maxPct, 97, 'the highest figure heard, not the latest');
    const busyId = workers[0]!.worker.id;
    const over = warnings.filter((w) => /CPU at \d+% of its cores \(over 90%\)/.test(w));
    assert.equal(over.length, 1, `one warning, not one per heartbeat: ${over.join(' | ')}`);
    assert.match(over[0]!, new RegExp(`worker ${busyId} `));
    const states = master.workerStates();
    assert.equal(states.length, 2);
    assert.ok(states.every((s) => s.rssBytes === 50e6), 'memory of each worker is known');
  } finally {
    await master.close();
    await Promise.all(workers.map((w) => w.exit));
    for (const w of workers) w.redis.disconnect();
    redis.disconnect();
  }
});
