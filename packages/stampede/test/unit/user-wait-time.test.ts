import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  User, between, constant, constantPacing, constantThroughput, createRandom, createWaitTimer, runUser, task,
  type PacingCounters, type WaitContext,
} from '../../src/internals.ts';
import { FakeClock } from './fake-clock.ts';
import { FakeLogger, FakeRecorder } from './user-fakes.ts';

const ctxAt = (nowMs: number, taskStartMs: number, pacing: PacingCounters = { late: 0, missed: 0 }): WaitContext => ({
  nowMs, taskStartMs, random: createRandom(1), pacing,
});

test('between(min, max) stays within bounds and uses the seeded source', () => {
  const wait = between(1, 5);
  const random = createRandom(3);
  const values = Array.from({ length: 10_000 }, () => wait({ nowMs: 0, taskStartMs: 0, random, pacing: { late: 0, missed: 0 } }));
  assert.ok(values.every((v) => v >= 1 && v <= 5));
  assert.ok(Math.min(...values) < 1.01 && Math.max(...values) > 4.99);
  assert.equal(between(2, 2)(ctxAt(0, 0)), 2);
});

test('constant(s) always waits s; bad arguments throw with a code', () => {
  assert.equal(constant(1.5)(ctxAt(10, 0)), 1.5);
  for (const bad of [() => between(5, 1), () => constant(-1), () => constant(NaN), () => constantPacing(0), () => constantThroughput(0)]) {
    assert.throws(bad, (e: any) => e.code === 'STAMPEDE_ERR_WAIT_TIME');
  }
});

test('constantPacing waits the rest of the interval, start to start, on a fixed grid', () => {
  const timer = createWaitTimer(constantPacing(2));
  const pacing = { late: 0, missed: 0 };
  assert.equal(timer(ctxAt(500, 0, pacing)), 1.5); // task 0..500 → next start at 2000
  assert.equal(timer(ctxAt(2000.3, 2000.3, pacing)), 1.9997); // jitter does not shift the grid: next at 4000
  assert.deepEqual(pacing, { late: 0, missed: 0 });
  assert.equal(timer(ctxAt(9000, 4000, pacing)), 0); // overran slots 6000 and 8000: start now, re-anchor
  assert.deepEqual(pacing, { late: 1, missed: 1 });
  assert.equal(timer(ctxAt(9500, 9000, pacing)), 1.5);
});

test('constantThroughput(n) is pacing 1/n; each owner gets its own timer', () => {
  const factory = constantThroughput(4);
  const a = createWaitTimer(factory);
  const b = createWaitTimer(factory);
  assert.equal(a(ctxAt(100, 0)), 0.15);
  assert.equal(b(ctxAt(1100, 1000)), 0.15);
});

test('constantPacing on a fake clock: exact start times, overrun counted, never lost', async () => {
  const clock = new FakeClock();
  const durations = [200, 1500, 100, 2500, 100, 100];
  const starts: number[] = [];
  class Paced extends User {
    static override waitTime = constantPacing(1);
    @task async work() {
      starts.push(clock.now());
      await clock.sleep(durations[starts.length - 1] ?? 100);
    }
  }
  const controller = new AbortController();
  const pacing = { late: 0, missed: 0 };
  const done = runUser(Paced, {
    clock, logger: new FakeLogger(), recorder: new FakeRecorder(), signal: controller.signal, rng: createRandom(1), pacing,
  });
  await clock.advance(8000);
  controller.abort(); // the task started at 8000 finishes (its own sleep is not aborted), then the user stops
  await clock.advance(1000);
  await done;
  // 0 (200) → 1000 (1500, overruns 2000) → 2500 late → 3500 (2500, overruns 4500 and 5500) → 6000 late → 7000 → 8000
  assert.deepEqual(starts, [0, 1000, 2500, 3500, 6000, 7000, 8000]);
  assert.deepEqual(pacing, { late: 2, missed: 1 });
});
