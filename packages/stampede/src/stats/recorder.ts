/**
 * The one entry point of samples into the statistics: user → client → Recorder → aggregate → readers.
 * Implemented by the stats module (per-thread histogram set); the HTTP client and user code only see this.
 */
import type { CustomMetricKind, MetricTags } from './types.ts';

/**
 * Failure kinds, classified once. Transport failures are counted apart from HTTP error statuses.
 * `interrupted`: still in flight when the run stopped (counted, never dropped).
 */
export type ErrorKind =
  | 'connect_refused'
  | 'timeout'
  | 'reset'
  | 'dns'
  | 'parse_error'
  | 'body_too_large'
  | 'tls'
  | 'http_4xx'
  | 'http_5xx'
  | 'catch_response'
  | 'interrupted'
  | 'other';

export interface RecordedError {
  kind: ErrorKind;
  /** Short, stable message (e.g. "HTTP 503", "connect ECONNREFUSED 127.0.0.1:1"); used for deduplication. */
  message: string;
}

export interface Recorder {
  /**
   * Record one request (one HTTP exchange; each followed redirect hop is its own request).
   * @param latencyUs service time, send to last byte, in microseconds
   * @param bytes response bytes received (headers + body)
   * @param error present when the request failed
   * @param correctedLatencyUs open model only: latency measured from the intended start time, in microseconds
   * @param tags the request's tags (request options, the enclosing group), for thresholds that select them
   */
  record(
    method: string,
    name: string,
    latencyUs: number,
    bytes: number,
    error?: RecordedError,
    correctedLatencyUs?: number,
    tags?: MetricTags,
  ): void;
  /** An exception thrown by user code (deduplicated by message + stack). */
  recordException(error: unknown): void;
  /** A named check (assertion on a response). */
  recordCheck(name: string, passed: boolean): void;
  /**
   * One sample of a custom metric (`Counter`, `Gauge`, `Rate`, `Trend`), already validated by the metric.
   * Optional: a recorder without it (a suite's own) drops custom metrics.
   */
  recordMetric?(kind: CustomMetricKind, name: string, value: number, tags?: MetricTags): void;
}
