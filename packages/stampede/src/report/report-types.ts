/**
 * The JSON report contract (docs/json-report.md), as TypeScript types. Keys are snake_case
 * and carry their units; report-schema.json publishes the same shape and every report is validated against it.
 */
import type { ErrorKind } from '../stats/recorder.ts';
import type { CustomMetricKind, LatencySummary, TimeseriesPoint } from '../stats/types.ts';

/** The run's configuration as reported. */
export interface ReportConfig {
  /** Target base URL; null when the script sets none. */
  host: string | null;
  users: number;
  /** Users started per second; null for arrival-rate runs. */
  spawn_rate: number | null;
  /** Configured run time in seconds; null when unlimited. */
  run_time_s: number | null;
  user_classes: string[];
  model: 'closed' | 'open';
}

/** Totals over all endpoints. */
export interface ReportTotals {
  requests: number;
  failures: number;
  /** Requests still in flight when the run stopped (also counted in requests and failures). */
  interrupted: number;
  /** Requests per second over duration_s. */
  rps: number;
  bytes_received: number;
  /** Service time (send to last byte), ms. */
  latency_ms: LatencySummary;
  /** Latency from the intended start (open model), ms; identical to latency_ms when none was recorded (closed model). */
  latency_corrected_ms: LatencySummary;
}

/** Open-model iteration counts. */
export interface ReportIterations {
  started: number;
  /** Started after their intended time. */
  late: number;
  /** Could not start (no free user). */
  dropped: number;
}

/** One (method, name) row. */
export interface ReportEndpoint {
  method: string;
  name: string;
  requests: number;
  failures: number;
  rps: number;
  latency_ms: LatencySummary;
  /** HDR histogram of latency in µs, compressed base64 (hdr-histogram-js). */
  histogram: string;
  /** HTTP requests answered per protocol; absent when none was answered (a WebSocket row, only failures). */
  protocols?: ReportProtocols;
  /** A WebSocket endpoint's (its handshake row's) messages and bytes; absent on HTTP rows. */
  websocket?: ReportWebSocket;
}

/** Requests answered per protocol. */
export interface ReportProtocols {
  'http/1.1'?: number;
  h2?: number;
}

/** Messages and payload bytes of a WebSocket endpoint, both directions. */
export interface ReportWebSocket {
  messages_sent: number;
  messages_received: number;
  bytes_sent: number;
  bytes_received: number;
}

export interface ReportError {
  method: string;
  name: string;
  kind: ErrorKind;
  error: string;
  count: number;
}

export interface ReportException {
  message: string;
  stack: string;
  count: number;
}

export interface ReportCheck {
  name: string;
  passes: number;
  fails: number;
}

/**
 * One series of a custom metric (a name and one tag set). Fields by type: counter `count` (sum of the values) and
 * `rate` (per second); rate `rate` (share of true values, 0–1) and `count` (true values); gauge `value` (the last
 * set), `min`, `max`; trend `min`, `mean`, `p50`…`p999`, `max`, in the unit of the values added.
 */
export interface ReportMetric {
  name: string;
  type: CustomMetricKind;
  /** The tags of this series; {} for the series of values added without tags. */
  tags: Record<string, string>;
  /** Values added. */
  samples: number;
  count?: number;
  rate?: number;
  value?: number;
  min?: number;
  max?: number;
  mean?: number;
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  p999?: number;
}

export interface ReportThreshold {
  /** e.g. "p95_ms", "failure_rate". */
  metric: string;
  /** As written by the user, e.g. "< 200". */
  condition: string;
  /** Observed value; null when it could not be measured (no requests). */
  value: number | null;
  passed: boolean;
}

/** Health of the load generator itself. */
export interface ReportGenerator {
  /** True when the generator, not the target, limited the load (CPU or event-loop lag). */
  saturated: boolean;
  cpu_max_pct: number;
  loop_lag_p99_ms: number;
}

/** One worker of a distributed run. */
export interface ReportWorker {
  id: string;
  requests: number;
  /** Seconds since the run started when the worker was lost; absent when it was not. */
  lost_at?: number;
}

/** System/process samples (owned by src/monitor); only the outer shape is fixed here. */
export interface ReportMonitor {
  interval_s: number;
  samples: Array<{ t: number; [key: string]: unknown }>;
  leak?: { verdict: string; slope?: number; r2?: number; [key: string]: unknown };
}

/** The requests of one (method, name) that carried one set of tags (their `tags` option, their group). */
export interface ReportTaggedRequests {
  method: string;
  name: string;
  tags: Record<string, string>;
  requests: number;
  failures: number;
  rps: number;
  latency_ms: LatencySummary;
}

/** One scenario's results: its requests, latency, iterations and custom metrics, from its own statistics. */
export interface ReportScenario {
  name: string;
  requests: number;
  failures: number;
  /** Requests per second over the run's duration_s. */
  rps: number;
  latency_ms: LatencySummary;
  iterations: ReportIterations;
  /** Its custom metrics' series; absent when none got a value. */
  metrics?: ReportMetric[];
}

/** The whole `--json` report. */
export interface JsonReport {
  tool: 'stampede';
  version: string;
  /** ISO 8601. */
  started_at: string;
  /** ISO 8601. */
  ended_at: string;
  duration_s: number;
  /** True when the run was interrupted (signal) and the report written early. */
  partial: boolean;
  config: ReportConfig;
  totals: ReportTotals;
  iterations?: ReportIterations;
  endpoints: ReportEndpoint[];
  errors: ReportError[];
  exceptions: ReportException[];
  checks: ReportCheck[];
  /** Custom metrics (Counter, Gauge, Rate, Trend in the script); absent when the script defines none that got values. */
  metrics?: ReportMetric[];
  /** Each scenario of the run, in declaration order, when there are two or more. */
  scenarios?: ReportScenario[];
  /** Tagged requests by (method, name, tags): a second view of requests already in `endpoints`; absent when none. */
  tagged_requests?: ReportTaggedRequests[];
  thresholds: ReportThreshold[];
  timeseries: TimeseriesPoint[];
  generator?: ReportGenerator;
  workers?: ReportWorker[];
  monitor?: ReportMonitor;
}
