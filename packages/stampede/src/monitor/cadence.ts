/**
 * Fixed-rate scheduling against the clock: each tick is due one interval after the previous tick's due time,
 * whatever the tick cost, so small delays never accumulate (chained timeouts drift by the sum of their delays).
 */

/** The first slot time (ms) strictly after `nowMs`, for slots at `startMs + k × intervalMs`. */
export function nextSlotMs(startMs: number, intervalMs: number, nowMs: number): number {
  const k = Math.floor((nowMs - startMs) / intervalMs) + 1;
  return startMs + Math.max(1, k) * intervalMs;
}

/**
 * The next due time (ms) after a tick due at `dueMs` ran at `nowMs`. On time or a little late (≤ `toleranceMs`,
 * default a tenth of the interval): `dueMs + intervalMs`, on the grid. Later than that: `nowMs + intervalMs` — the
 * grid moves to the late tick, so one delay makes one long gap instead of a long gap followed by a short one.
 */
export function nextDueMs(dueMs: number, intervalMs: number, nowMs: number, toleranceMs = intervalMs / 10): number {
  return nowMs - dueMs > toleranceMs ? nowMs + intervalMs : dueMs + intervalMs;
}
