/**
 * The spawn plan: which user class the i-th user is, and when users start or stop while ramping.
 * Pure and clock-free: the runner asks it "how many users should be running at time t".
 */

/** Users that should be running `elapsedS` seconds after a ramp from `from` to `to` at `ratePerS`. */
export function usersAt(from: number, to: number, ratePerS: number, elapsedS: number): number {
  if (ratePerS <= 0 || !Number.isFinite(ratePerS)) return to;
  // +1e-9 so that user k of a ramp at rate r starts exactly at k / r despite float error.
  const moved = Math.floor(elapsedS * ratePerS + 1e-9);
  return from < to ? Math.min(to, from + moved) : Math.max(to, from - moved);
}

