/** What a suite load helper hands back: the one Aggregate of the load and what the report needs besides it. */
import type { Aggregate } from '../stats/aggregate.ts';
import type { ReportConfig } from '../report/report-types.ts';

/** A finished load. */
export interface LoadResult {
  /** Every request of the load (totals, endpoints, errors, per-second time series). */
  aggregate: Aggregate;
  /** Epoch ms. */
  startedAtWallMs: number;
  endedAtWallMs: number;
  /** Monotonic seconds from start to the last request's end. */
  durationS: number;
  config: ReportConfig;
  /** Worst user-thread event-loop lag p99, ms (0 when not measured). */
  loopLagP99Ms: number;
  /** Threads the load ran on besides the main thread. */
  threads: number;
}

/** A load in progress, for the monitor: the requests completed so far. */
export interface LiveLoad {
  requests(): number;
}
