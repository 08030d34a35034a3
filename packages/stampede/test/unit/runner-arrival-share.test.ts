/**
 * Issue 10: an arrival-rate scenario split over workers, then over each worker's threads, starts exactly the
 * iterations and users a local run would: every scheduled iteration on one executor, at its own scheduled time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iterationsDue, splitShare, wholeShare } from '../../src/runner/arrival-share.ts';
import type { ArrivalShare } from '../../src/runner/messages.ts';
import { ArrivalSchedule, constantPlan } from '../../src/workload/arrival-schedule.ts';

/** The iterations an executor walks (arrival-executor.ts: k = index, index + count, … while the schedule has k). */
function walk(schedule: ArrivalSchedule, share: ArrivalShare): number[] {
  const ks: number[] = [];
  for (let k = share.index; schedule.timeOf(k) !== undefined; k += share.count) ks.push(k);
  return ks;
}

/** The executor's j-th user: id and class (user-host.ts). */
function users(share: ArrivalShare): [number, string][] {
  return Array.from({ length: share.maxUsers }, (_, j) => [share.userIdBase + share.index + j * share.count, share.classOrder[j % share.classOrder.length]!]);
}

const classOrder = Array.from({ length: 11 }, (_, i) => (i % 3 === 0 ? 'Admin' : 'Reader'));
const whole = wholeShare({ preAllocatedUsers: 7, maxUsers: 11, maxQueued: 100 }, classOrder, 40);

test('3 workers × 2 threads start every iteration of a ramp exactly once, as one thread would', () => {
  const schedule = new ArrivalSchedule({ startRatePerS: 0, stages: [{ durationMs: 10_000, target: 100 }] });
  assert.equal(schedule.totalCount, 500);
  const leaves = splitShare(whole, 3).flatMap((w) => splitShare(w, 2));
  assert.equal(leaves.length, 6);
  const started = leaves.flatMap((s) => walk(schedule, s)).sort((a, b) => a - b);
  // Each executor waits for timeOf(k) of its own k from the one schedule: same iterations, same times, no drift.
  assert.deepEqual(started, walk(schedule, whole), 'the same iterations as the whole scenario on one thread');
  assert.equal(started.length, 500);
  assert.equal(leaves.reduce((n, s) => n + iterationsDue(schedule, s, Infinity), 0), 500);
});

test('users, pre-allocation and queue room split by largest remainder; ids and classes as a single thread gives them', () => {
  const leaves = splitShare(whole, 3).flatMap((w) => splitShare(w, 2));
  assert.equal(leaves.reduce((n, s) => n + s.maxUsers, 0), 11);
  assert.equal(leaves.reduce((n, s) => n + s.preAllocatedUsers, 0), 7);
  assert.equal(leaves.reduce((n, s) => n + s.maxQueued, 0), 100);
  const all = leaves.flatMap(users).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(all, users(whole), 'ids 40..50, each with the class of the whole scenario’s user');
});

test('never more parts than users: each part can run its iterations', () => {
  const small = wholeShare({ preAllocatedUsers: 1, maxUsers: 2, maxQueued: 10 }, ['Reader', 'Reader'], 0);
  const parts = splitShare(small, 5);
  assert.equal(parts.length, 2);
  assert.ok(parts.every((p) => p.maxUsers === 1));
  assert.deepEqual(splitShare(parts[1]!, 4).map((p) => [p.index, p.count]), [[1, 2]]);
});

test('iterationsDue counts a share’s iterations due by a time', () => {
  const schedule = new ArrivalSchedule(constantPlan(10, 2000)); // k due at 100 k ms, k < 20
  const share = splitShare(whole, 3)[1]!; // k = 1, 4, 7, …
  assert.deepEqual([share.index, share.count], [1, 3]);
  assert.equal(iterationsDue(schedule, share, 0), 0);
  assert.equal(iterationsDue(schedule, share, 100), 1);
  assert.equal(iterationsDue(schedule, share, 399), 1);
  assert.equal(iterationsDue(schedule, share, 400), 2);
  assert.equal(iterationsDue(schedule, share, Infinity), 7); // 1, 4, …, 19
  assert.equal(iterationsDue(schedule, share, 60_000), 7);
  assert.equal(iterationsDue(new ArrivalSchedule(constantPlan(10, Infinity)), share, Infinity), Infinity);
});
