import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationS } from '../../src/cli/duration.ts';
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
  assert.equal(usersAt(0, 50, 10, 0), 0);
  assert.equal(usersAt(0, 50, 10, 0.1), 1);
  assert.equal(usersAt(0, 50, 10, 0.35), 3);
  assert.equal(usersAt(0, 50, 10, 4.99), 49);
  assert.equal(usersAt(0, 50, 10, 5), 50);
  assert.equal(usersAt(0, 50, 10, 100), 50);
  assert.equal(usersAt(50, 10, 20, 1), 30);
  assert.equal(usersAt(50, 10, 20, 10), 10);
  // 3 users/s for 1/3 s is exactly one user despite float error.
  assert.equal(usersAt(0, 10, 3, 1 / 3), 1);
});
