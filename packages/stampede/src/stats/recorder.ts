/**
 * The one entry point of samples into the statistics: user → client → Recorder → aggregate → readers.
 * Implemented by the stats module (per-thread histogram set); the HTTP client and user code only see this.
 */
import type { CustomMetricKind, MetricTags } from './types.ts';

/**
 * Failure kinds, classified once. Transport failures are counted apart from HTTP error statuses.
 * `interrupted`: still in flight when the run stopped (counted, never dropped).
 * `ws_handshake`: a WebSocket connection could not be opened (refused, or the upgrade was answered otherwise);
 * `ws_closed`: an open WebSocket was closed or broken by the server.
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
  | 'ws_handshake'
  | 'ws_closed'
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
  /**
   * Add `n` to a named counter of an endpoint, beside its requests: the protocol that answered
   * (`protocol:h2`, `protocol:http/1.1`) or a WebSocket's messages and bytes (`ws:messages_sent`, …).
   * Optional so that a recorder written before counters existed still is one; the statistics implement it.
   */
  count?(method: string, name: string, counter: string, n: number): void;
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

/**
 * A recorder that hands every call to `inner`. Wrappers (the open model's correction, the group tag, a suite's request
 * counter) extend it and override only what they change, so none drops a call it forgot (a counter, a custom metric).
 */
export class ForwardingRecorder implements Recorder {
  protected readonly inner: Recorder;

  constructor(inner: Recorder) {
    this.inner = inner;
  }

  record(method: string, name: string, latencyUs: number, bytes: number, error?: RecordedError, correctedLatencyUs?: number, tags?: MetricTags): void {
    this.inner.record(method, name, latencyUs, bytes, error, correctedLatencyUs, tags);
  }

  count(method: string, name: string, counter: string, n: number): void {
    this.inner.count?.(method, name, counter, n);
  }

  recordException(error: unknown): void {
    this.inner.recordException(error);
  }

  recordCheck(name: string, passed: boolean): void {
    this.inner.recordCheck(name, passed);
  }

  recordMetric(kind: CustomMetricKind, name: string, value: number, tags?: MetricTags): void {
    this.inner.recordMetric?.(kind, name, value, tags);
  }
}
