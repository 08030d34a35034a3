/**
 * The spawn plan: which user class the i-th user is, and when users start or stop while ramping.
 * Pure and clock-free: the runner asks it "how many users should be running at time t".
 */

/**
 * Users that should be running `elapsedS` seconds after a ramp from `from` to `to` at `ratePerS`.
 * The k-th change of a ramp (0-based) happens at k / r s: the first user starts at once, as Locust starts one at
 * t = 0 (issue #18: `-u 1 -t 1s` made no request when the first user waited 1/r s).
 */
export function usersAt(from: number, to: number, ratePerS: number, elapsedS: number): number {
  if (ratePerS <= 0 || !Number.isFinite(ratePerS) || from === to) return to;
  // +1e-9 so that user k of a ramp at rate r starts exactly at k / r despite float error.
  const moved = Math.floor(elapsedS * ratePerS + 1e-9) + 1;
  return from < to ? Math.min(to, from + moved) : Math.max(to, from - moved);
}

/** Run time (s after the ramp's start) of the ramp's `moved`-th change (0-based): the inverse of usersAt. */
export function rampStepAtS(moved: number, ratePerS: number): number {
  return moved / ratePerS;
}
