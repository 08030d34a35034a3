// Issue 12: a soak run with many distinct request names keeps the generator's heap growth under 1 MB/min, measured
// from the slope after a warm-up. 3 minutes in CI (`node scripts/run-tests.mjs --tier soak`); longer on demand with
// STAMPEDE_SOAK_S=3600. The verdict's false-positive rate and minimum duration are measured in
// test/integration/reliability-statistics.test.ts (≤ 1 % for a flat heap with up to 1 MB of post-GC noise, 3 min).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { systemClock } from '../../src/clock.ts';
import { InProcessUserThread } from '../../src/runner/in-process-thread.ts';
import { LocalRunner } from '../../src/runner/local-runner.ts';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { task } from '../../src/user/task.ts';
import { HttpUser } from '../../src/user/user.ts';
import { constant } from '../../src/user/wait-time.ts';
import { heapGrowthOk, heapSlope, SOAK_MAX_BYTES_PER_MIN, type HeapSample } from '../fixtures/heap-slope.ts';

const DURATION_S = Number(process.env.STAMPEDE_SOAK_S ?? 180);
const WARMUP_S = 30;
const SAMPLE_EVERY_S = 2;
const MAX_NAMES = 2000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let sequence = 0;

/** Every request a new name (past --max-names they fold into "(other)"), one in ten an HTTP error with its own path. */
class NameSprayer extends HttpUser {
  static override waitTime = constant(0.002);
  @task async spray() {
    const n = sequence++;
    await this.client.get(n % 10 === 0 ? `/fail/${n}` : `/item/${n}`);
  }
}

test(`soak: ${DURATION_S} s with unbounded distinct names keeps heap growth under 1 MB/min after a ${WARMUP_S} s warm-up`, { timeout: (DURATION_S + 120) * 1000 }, async () => {
  // A stateless target in this process: it must not grow either, so it keeps nothing.
  const server = createServer((req, res) => {
    req.resume();
    res.statusCode = req.url!.startsWith('/fail/') ? 500 : 200;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  let warnings = 0;
  const aggregate = new Aggregate({ maxNames: MAX_NAMES, onWarning: () => warnings++ });
  const thread = new InProcessUserThread({ threadId: 0, host: url, logLevel: 'error', maxNames: MAX_NAMES, seed: 1 }, [NameSprayer]);
  const runner = new LocalRunner({ threads: [thread], aggregate, clock: systemClock, logger: { log: () => {} }, classForUser: () => NameSprayer.name });
  await runner.waitReady();
  const samples: HeapSample[] = [];
  const started = performance.now();
  runner.start(10, 10);
  try {
    for (let i = 1; i * SAMPLE_EVERY_S <= DURATION_S; i++) {
      await sleep(started + i * SAMPLE_EVERY_S * 1000 - performance.now());
      gc();
      samples.push({ tS: (performance.now() - started) / 1000, heapBytes: process.memoryUsage().heapUsed });
    }
  } finally {
    await runner.stop(2000);
    await runner.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  const totals = aggregate.totals();
  const slope = heapSlope(samples, WARMUP_S);
  const mb = (b: number) => (b / 1e6).toFixed(3);
  console.log(
    `# soak: ${totals.requests} requests, ${sequence} distinct names (cap ${MAX_NAMES}), heap ${mb(samples[0]!.heapBytes)} → ${mb(samples.at(-1)!.heapBytes)} MB; ` +
      `slope ${mb(slope.slopeBytesPerMin)} MB/min [${mb(slope.lowBytesPerMin)}, ${mb(slope.highBytesPerMin)}] over ${slope.windowS.toFixed(0)} s, residual ${mb(slope.residualBytes)} MB`,
  );
  assert.ok(totals.requests > DURATION_S * 100, `load ran: ${totals.requests} requests`);
  assert.ok(sequence > MAX_NAMES * 2, 'far more names than the cap');
  assert.equal(aggregate.endpoints().length <= MAX_NAMES + 1, true, 'names beyond the cap fold into one entry');
  assert.ok(warnings >= 1, 'the cap was announced');
  assert.ok(slope.samples >= 60, `${slope.samples} samples after the warm-up`);
  assert.ok(heapGrowthOk(slope), `heap grows ${mb(slope.slopeBytesPerMin)} MB/min (limit ${mb(SOAK_MAX_BYTES_PER_MIN)})`);
});
