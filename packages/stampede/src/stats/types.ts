/**
 * The shapes that flow between a thread's StatsSet and the run's Aggregate.
 * A delta is structured-cloneable (postMessage between worker threads) and JSON-safe (Redis in distributed mode).
 */
import type { ErrorKind } from './recorder.ts';

export interface EndpointDelta {
  method: string;
  name: string;
  requests: number;
  failures: number;
  bytes: number;
  /**
   * HDR histogram of latency in µs, base64 of the V2 encoding: uncompressed from a StatsSet (a zlib stream per
   * histogram per second cost the sending thread milliseconds), compressed from other producers; decodeHdrBuckets
   * reads both (stats/hdr-codec.ts).
   */
  histogram: string;
  /** Same for latency from the intended start (open model); absent when nothing was recorded. */
  correctedHistogram?: string;
  /** Exact sum of the latencies in `histogram`, in µs (for an exact mean). Optional for older producers. */
  sumUs?: number;
  /** Exact smallest latency in `histogram`, in µs. */
  minUs?: number;
  /** Exact largest latency in `histogram`, in µs. */
  maxUs?: number;
  /** Exact sum of the latencies in `correctedHistogram`, in µs. */
  correctedSumUs?: number;
  /** Exact smallest latency in `correctedHistogram`, in µs. */
  correctedMinUs?: number;
  /** Exact largest latency in `correctedHistogram`, in µs. */
  correctedMaxUs?: number;
  /** Named counters of the endpoint (Recorder.count); absent when none was added. */
  counts?: Record<string, number>;
}

export interface ErrorDelta {
  method: string;
  name: string;
  kind: ErrorKind;
  error: string;
  count: number;
}

export interface ExceptionDelta {
  message: string;
  stack: string;
  count: number;
}

export interface CheckDelta {
  name: string;
  passes: number;
  fails: number;
}

/** Everything recorded by one thread since its previous snapshot. */
export interface StatsDelta {
  endpoints: EndpointDelta[];
  errors: ErrorDelta[];
  exceptions: ExceptionDelta[];
  checks: CheckDelta[];
}

/** Latency summary in milliseconds (report contract keys). */
export interface LatencySummary {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** One second of the run (report contract `timeseries` row). */
export interface TimeseriesPoint {
  t: number;
  users: number;
  rps: number;
  failures_per_s: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}
