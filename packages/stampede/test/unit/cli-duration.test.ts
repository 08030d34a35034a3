import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationS } from '../../src/workload/duration.ts';
import { usersAt } from '../../src/runner/spawn-plan.ts';

test('parseDurationS reads Locust-style durations', () => {
  assert.equal(parseDurationS('90'), 90);
  assert.equal(parseDurationS('30s'), 30);
  assert.equal(parseDurationS('5m'), 300);
  assert.equal(parseDurationS('1h30m'), 5400);
  assert.equal(parseDurationS('1.5s'), 1.5);
  assert.equal(parseDurationS('250ms'), 0.25);
  assert.equal(parseDurationS(' 2M '), 120);
});

test('parseDurationS rejects garbage with a code and a hint', () => {
  for (const bad of ['', 'abc', '10x', '5m garbage', '-3s', 's']) {
    assert.throws(
      () => parseDurationS(bad, '--run-time'),
      (e: any) => e.code === 'STAMPEDE_ERR_CONFIG_DURATION' && e.message.includes('--run-time') && Boolean(e.hint),
    );
  }
});

test('usersAt ramps evenly at the spawn rate, both ways', () => {
  // Issue #18: the first user of a ramp starts at t = 0 (Locust starts one at once), then one each 1/r s.
  assert.equal(usersAt(0, 50, 10, 0), 1);
  assert.equal(usersAt(0, 50, 10, 0.099), 1);
  assert.equal(usersAt(0, 50, 10, 0.1), 2);
  assert.equal(usersAt(0, 50, 10, 0.35), 4);
  assert.equal(usersAt(0, 50, 10, 4.89), 49);
  assert.equal(usersAt(0, 50, 10, 4.9), 50);
  assert.equal(usersAt(0, 50, 10, 100), 50);
  assert.equal(usersAt(0, 2, 1, 1), 2);
  assert.equal(usersAt(50, 10, 20, 0), 49);
  assert.equal(usersAt(50, 10, 20, 1), 29);
  assert.equal(usersAt(50, 10, 20, 10), 10);
  assert.equal(usersAt(5, 5, 1, 0), 5);
  // 3 users/s for 1/3 s is exactly two users despite float error.
  assert.equal(usersAt(0, 10, 3, 1 / 3), 2);
});
