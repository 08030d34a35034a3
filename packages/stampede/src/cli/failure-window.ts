/**
 * The abort window (issue 12): a run whose requests do nothing but fail for `windowS` seconds on end — the target
 * died, or answers nothing but errors — stops early with exit 3 instead of hammering on for the rest of --run-time.
 * Fed the per-second time series, so it judges exactly what the console and the report show.
 */
import type { TimeseriesPoint } from '../stats/types.ts';

/** Default window, seconds: longer than a restart or a failover, short next to a real test. 0 disables. */
export const DEFAULT_ABORT_AFTER_FAILURES_S = 30;

/** Tracks the current all-failure streak. */
export class FailureWindow {
  readonly windowS: number;
  /** Run time (s) at which the current streak of seconds with failures and no success began. */
  #streakStartS: number | undefined;

  /** @param windowS seconds of only failures before `observe` says abort; 0 never aborts */
  constructor(windowS: number) {
    this.windowS = windowS;
  }

  /**
   * Feeds one closed second of the time series. A second with a success ends the streak; a second with failures
   * and no success starts or extends it; a second where nothing completed (every request still waiting for its
   * timeout) extends a streak but never starts one.
   * @returns true when the streak has lasted `windowS` seconds
   */
  observe(point: TimeseriesPoint | undefined): boolean {
    if (this.windowS <= 0 || point === undefined) return false;
    // rps and failures_per_s share the interval's length, so they compare as counts.
    if (point.rps > point.failures_per_s) this.#streakStartS = undefined;
    else if (point.failures_per_s > 0) this.#streakStartS ??= point.t - 1;
    return this.#streakStartS !== undefined && point.t - this.#streakStartS >= this.windowS;
  }
}
