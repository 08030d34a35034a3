// Issue 4: the arrival schedule, stages and shapes are pure: exact iteration times and counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArrivalSchedule, constantPlan } from '../../src/workload/arrival-schedule.ts';
import { parseStages } from '../../src/workload/stages.ts';
import { stagesShape } from '../../src/workload/load-shape.ts';
import { normalizeScenarios } from '../../src/workload/scenarios.ts';

function countScheduled(schedule: ArrivalSchedule, limit = 1e6): number {
  let k = 0;
  while (k < limit && schedule.timeOf(k) !== undefined) k++;
  return k;
}

test('10 it/s for 60 s schedules 600 iterations, evenly 100 ms apart', () => {
  const s = new ArrivalSchedule(constantPlan(10, 60_000));
  assert.equal(countScheduled(s), 600);
  for (let k = 0; k < 600; k++) assert.ok(Math.abs(s.timeOf(k)! - 100 * k) < 1e-6, `iteration ${k} at ${s.timeOf(k)}`);
});

test('a ramp from 0 to 100 it/s over 10 s schedules 500, at t = √(k/5) s', () => {
  const s = new ArrivalSchedule({ startRatePerS: 0, stages: [{ durationMs: 10_000, target: 100 }] });
  assert.equal(countScheduled(s), 500);
  for (const k of [1, 5, 125, 499]) assert.ok(Math.abs(s.timeOf(k)! - Math.sqrt(k / 5) * 1000) < 1e-6);
  assert.ok(Math.abs(s.countAt(5000) - 125) < 1e-9);
});

test('ramping down and flat stages keep exact counts (area under the rate)', () => {
  const s = new ArrivalSchedule({ startRatePerS: 50, stages: [{ durationMs: 4000, target: 50 }, { durationMs: 2000, target: 0 }, { durationMs: 1000, target: 0 }] });
  assert.equal(countScheduled(s), 250); // 200 + 50
  const times = Array.from({ length: 250 }, (_, k) => s.timeOf(k)!);
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! > times[i - 1]!, 'strictly increasing');
  assert.ok(times[249]! < 6000);
});

test('an unbounded constant rate never runs out', () => {
  const s = new ArrivalSchedule(constantPlan(1000, Infinity));
  assert.equal(s.timeOf(1_000_000), 1_000_000);
});

test('--stages parses duration:target pairs; bad input is a config error', () => {
  assert.deepEqual(parseStages('30s:10, 1m:100,30s:0'), [
    { durationMs: 30_000, target: 10 },
    { durationMs: 60_000, target: 100 },
    { durationMs: 30_000, target: 0 },
  ]);
  assert.throws(() => parseStages('30s'), { code: 'STAMPEDE_ERR_CONFIG_STAGES' });
  assert.throws(() => parseStages('forever:10'), { code: 'STAMPEDE_ERR_CONFIG_DURATION' });
  assert.throws(() => parseStages(''), { code: 'STAMPEDE_ERR_CONFIG_STAGES' });
});

test('the stages shape announces every boundary, so a 200 ms stage is not skipped', () => {
  const shape = stagesShape(parseStages('2s:10,200ms:50,1s:0'));
  assert.deepEqual(shape.tick(0), { users: 10, spawnRate: 5 });
  assert.equal(shape.nextChangeS!(0), 2);
  assert.deepEqual(shape.tick(2), { users: 50, spawnRate: 200 });
  assert.equal(shape.nextChangeS!(2), 2.2);
  assert.deepEqual(shape.tick(2.2), { users: 0, spawnRate: 50 });
  assert.equal(shape.tick(3.2), null);
});

test('scenarios are validated with the option named in the error', () => {
  assert.throws(() => normalizeScenarios({ a: { executor: 'constantArrivalRate', rate: 5, preAllocatedUsers: 0 } }), /scenarios\.a\.preAllocatedUsers/);
  assert.throws(() => normalizeScenarios({ a: { executor: 'nope' } as any }), { code: 'STAMPEDE_ERR_CONFIG_SCENARIO' });
  const [plan] = normalizeScenarios({ a: { executor: 'constantArrivalRate', rate: 30, timeUnit: '1m', duration: '10s', preAllocatedUsers: 2 } });
  assert.equal(plan!.kind, 'arrival');
  assert.equal(plan!.kind === 'arrival' && plan!.arrival.startRatePerS, 0.5);
  assert.equal(plan!.kind === 'arrival' && plan!.maxUsers, 2);
});
