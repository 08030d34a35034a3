/**
 * The shapes that flow between a thread's StatsSet and the run's Aggregate.
 * A delta is structured-cloneable (postMessage between worker threads) and JSON-safe (Redis in distributed mode).
 */
import type { ErrorKind } from './recorder.ts';

export interface EndpointDelta {
  method: string;
  name: string;
  /** Tags of the requests (request `tags`, the enclosing group); only on StatsDelta.taggedEndpoints rows. */
  tags?: MetricTags;
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

/** The four kinds of custom metric a script defines (k6's): `new Counter('carts_created')` and so on. */
export type CustomMetricKind = 'counter' | 'gauge' | 'rate' | 'trend';

/** A custom metric's tags (`.add(value, { flow: 'checkout' })`); the empty object for the untagged series. */
export type MetricTags = Readonly<Record<string, string>>;

/**
 * One series (metric name + tag set) of a custom metric since the previous snapshot. Counts and sums are exact, so
 * deltas from threads and workers add up to the run's figures.
 */
export interface MetricDelta {
  name: string;
  kind: CustomMetricKind;
  tags: MetricTags;
  /** Number of add() calls. */
  samples: number;
  /**
   * counter: sum of the values; rate: values that were true (non-zero); trend: exact sum of the histogram's values
   * (in thousandths, as recorded); gauge: 0.
   */
  sum: number;
  /** gauge: the last value set, with `at` (wall-clock ms) to find the last one across threads; trend: absent. */
  value?: number;
  at?: number;
  /** gauge: smallest and largest value set; trend: exact smallest and largest recorded thousandths. */
  min?: number;
  max?: number;
  /** trend: histogram of the values × 1,000 (as integers, the latency layout), encoded as EndpointDelta.histogram. */
  histogram?: string;
}

/** Everything recorded by one thread since its previous snapshot. */
export interface StatsDelta {
  endpoints: EndpointDelta[];
  errors: ErrorDelta[];
  exceptions: ExceptionDelta[];
  checks: CheckDelta[];
  /** Custom metrics' series with samples; absent from producers that have none. */
  metrics?: MetricDelta[];
  /**
   * Tagged requests again, by (method, name, tags), for thresholds that select tags (`{flow:checkout}`). Every
   * request is also in `endpoints`: these rows are a second view, never added to the totals.
   */
  taggedEndpoints?: EndpointDelta[];
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
