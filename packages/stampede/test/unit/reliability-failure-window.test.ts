// Issue 12: the abort window on an exact, hand-made time series — only failures for the window aborts; one success
// resets it; seconds with no completed request extend a streak but never start one; 0 disables it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureWindow } from '../../src/cli/failure-window.ts';
import type { TimeseriesPoint } from '../../src/stats/types.ts';

const second = (t: number, requests: number, failures: number): TimeseriesPoint => ({ t, users: 1, rps: requests, failures_per_s: failures, p50_ms: 0, p95_ms: 0, p99_ms: 0 });

/** The first second (1-based) at which the window says abort, or undefined. */
function abortsAt(windowS: number, seconds: Array<[requests: number, failures: number]>): number | undefined {
  const w = new FailureWindow(windowS);
  for (let i = 0; i < seconds.length; i++) if (w.observe(second(i + 1, ...seconds[i]!))) return i + 1;
  return undefined;
}

test('only failures for the whole window aborts at its end, not before', () => {
  assert.equal(abortsAt(3, [[10, 0], [5, 5], [5, 5], [5, 5], [5, 5]]), 4);
});

test('one success inside the window resets it', () => {
  assert.equal(abortsAt(3, [[5, 5], [5, 5], [5, 4], [5, 5], [5, 5]]), undefined);
  assert.equal(abortsAt(3, [[5, 5], [5, 5], [5, 4], [5, 5], [5, 5], [5, 5]]), 6);
});

test('seconds with nothing completed extend a streak but never start one', () => {
  assert.equal(abortsAt(3, [[0, 0], [0, 0], [0, 0], [0, 0]]), undefined, 'an idle run never aborts');
  assert.equal(abortsAt(3, [[4, 4], [0, 0], [0, 0]]), 3, 'a target that hangs after refusing');
});

test('a window of 0 never aborts', () => {
  assert.equal(abortsAt(0, Array.from({ length: 100 }, () => [5, 5] as [number, number])), undefined);
});
