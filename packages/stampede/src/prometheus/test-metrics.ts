/**
 * The metrics of a running test, rendered from the run's one Aggregate on every scrape (no copy of the
 * statistics is kept here). Names and labels: docs/observability.md. Cardinality is bounded like the stats:
 * (method, name) pairs by the Aggregate's `maxNames` (beyond it, one `(other)` row), error rows by its error cap.
 */
import type { RunnerState } from '../runner/local-runner.ts';
import type { Aggregate } from '../stats/aggregate.ts';
import { TREND_SCALE } from '../stats/metric-series.ts';
import type { MetricTags } from '../stats/types.ts';
import { ExpositionWriter } from './exposition.ts';
import { DEFAULT_LATENCY_BUCKETS_S, latencyBuckets } from './hdr-buckets.ts';

/** What the exporter reads from a runner; `LocalRunner` satisfies it (so will the distributed master). */
export interface RunnerView {
  /** Users running now. */
  readonly users: number;
  /** Users the run is ramping to. */
  readonly targetUsers: number;
  readonly state: RunnerState;
  /** Seconds since the run started (0 before it starts). */
  elapsedS(): number;
  /** Iterations started, started late and dropped (open model); omitted by runners that do not count them. */
  readonly counters?: { readonly iterations: number; readonly late: number; readonly missed: number };
}

/** One threshold's current verdict (the report's `thresholds` rows: metric, condition, passed). */
export interface ThresholdState {
  /** e.g. `p95_ms`, `failure_rate`. */
  metric: string;
  /** As written by the user, e.g. `< 200`. */
  condition: string;
  passed: boolean;
}

/** Options of {@link renderTestMetrics}. */
export interface TestMetricsOptions {
  /** The thresholds' current state, read on every scrape. */
  thresholds?: () => readonly ThresholdState[];
  /** Latency bucket upper bounds in seconds (default {@link DEFAULT_LATENCY_BUCKETS_S}). */
  latencyBucketsS?: readonly number[];
}

const RUNNER_STATES: readonly RunnerState[] = ['ready', 'spawning', 'running', 'stopping', 'stopped'];

/** Renders the metrics of a test in the Prometheus text format (0.0.4). */
export function renderTestMetrics(aggregate: Aggregate, runner: RunnerView | undefined, options: TestMetricsOptions = {}): string {
  const w = new ExpositionWriter();
  writeRequestMetrics(w, aggregate, options.latencyBucketsS ?? DEFAULT_LATENCY_BUCKETS_S);
  writeOutcomeMetrics(w, aggregate);
  writeRunnerMetrics(w, aggregate, runner);
  writeCustomMetrics(w, aggregate);
  w.family('stampede_threshold_passed', 'gauge', 'Whether a threshold currently passes (1) or fails (0).');
  for (const t of options.thresholds?.() ?? []) {
    w.sample('stampede_threshold_passed', { metric: t.metric, condition: t.condition }, t.passed ? 1 : 0);
  }
  return w.text();
}

function writeRequestMetrics(w: ExpositionWriter, aggregate: Aggregate, boundsS: readonly number[]): void {
  const endpoints = aggregate.endpoints();
  const labelsOf = (e: { method: string; name: string }) => ({ method: e.method, name: e.name });
  w.family('stampede_requests_total', 'counter', 'Requests completed (each HTTP exchange, including failures), by method and name.');
  for (const e of endpoints) w.sample('stampede_requests_total', labelsOf(e), e.requests);

  // Failures by kind: http_4xx and http_5xx are the status classes; the rest are transport failures, checks
  // marked failed by user code (catch_response) and requests interrupted by the stop.
  const failures = new Map<string, { method: string; name: string; kind: string; count: number }>();
  for (const e of aggregate.errors()) {
    const key = `${e.method}\u0000${e.name}\u0000${e.kind}`;
    const row = failures.get(key);
    if (row) row.count += e.count;
    else failures.set(key, { method: e.method, name: e.name, kind: e.kind, count: e.count });
  }
  w.family('stampede_request_failures_total', 'counter', 'Failed requests by method, name and kind (http_4xx, http_5xx, connect_refused, timeout, ...).');
  for (const f of failures.values()) w.sample('stampede_request_failures_total', { method: f.method, name: f.name, kind: f.kind }, f.count);

  w.family('stampede_response_bytes_total', 'counter', 'Response bytes received (headers and body), by method and name.');
  for (const e of endpoints) w.sample('stampede_response_bytes_total', labelsOf(e), e.bytesReceived);

  w.family('stampede_request_duration_seconds', 'histogram', 'Service time (send to last byte) of requests, in seconds, by method and name; buckets from the HDR histogram (0.1 % resolution).');
  for (const e of endpoints) {
    const acc = e.latency;
    w.histogram('stampede_request_duration_seconds', labelsOf(e), latencyBuckets(acc, boundsS), (acc.meanUs * acc.count) / 1e6, acc.count);
  }
}

function writeOutcomeMetrics(w: ExpositionWriter, aggregate: Aggregate): void {
  w.family('stampede_interrupted_requests_total', 'counter', 'Requests still in flight when the run stopped (also counted as failures).');
  w.sample('stampede_interrupted_requests_total', {}, aggregate.totals().interrupted);
  w.family('stampede_exceptions_total', 'counter', 'Exceptions thrown by user code.');
  w.sample('stampede_exceptions_total', {}, aggregate.exceptions().reduce((n, x) => n + x.count, 0));
  w.family('stampede_checks_total', 'counter', 'Check results by check name and result (pass, fail).');
  for (const c of aggregate.checks()) {
    w.sample('stampede_checks_total', { check: c.name, result: 'pass' }, c.passes);
    w.sample('stampede_checks_total', { check: c.name, result: 'fail' }, c.fails);
  }
}

function writeRunnerMetrics(w: ExpositionWriter, aggregate: Aggregate, runner: RunnerView | undefined): void {
  const last = aggregate.timeseries().at(-1);
  w.family('stampede_users', 'gauge', 'Users running now.');
  w.sample('stampede_users', {}, runner?.users ?? last?.users ?? 0);
  w.family('stampede_target_users', 'gauge', 'Users the run is ramping to.');
  w.sample('stampede_target_users', {}, runner?.targetUsers ?? 0);
  w.family('stampede_runner_state', 'gauge', 'The runner state: 1 for the current state, 0 for the others.');
  for (const s of RUNNER_STATES) w.sample('stampede_runner_state', { state: s }, runner?.state === s ? 1 : 0);
  w.family('stampede_run_elapsed_seconds', 'gauge', 'Seconds since the run started.');
  w.sample('stampede_run_elapsed_seconds', {}, runner?.elapsedS() ?? aggregate.elapsedS);

  // The last closed second, as the console and the web UI show it; rate() over the counters is the
  // Prometheus-side equivalent over longer windows.
  w.family('stampede_current_rps', 'gauge', 'Requests per second in the last completed second.');
  w.sample('stampede_current_rps', {}, last?.rps ?? 0);
  w.family('stampede_current_failures_per_second', 'gauge', 'Failures per second in the last completed second.');
  w.sample('stampede_current_failures_per_second', {}, last?.failures_per_s ?? 0);
  w.family('stampede_current_response_time_seconds', 'gauge', 'Response time percentiles (nearest rank) of the last completed second, in seconds.');
  // `percentile`, not `quantile`: that label is reserved for summaries (promtool check metrics).
  const percentiles: Array<[string, number]> = [['50', last?.p50_ms ?? 0], ['95', last?.p95_ms ?? 0], ['99', last?.p99_ms ?? 0]];
  for (const [p, ms] of percentiles) w.sample('stampede_current_response_time_seconds', { percentile: p }, ms / 1000);

  if (runner?.counters !== undefined) {
    const c = runner.counters;
    w.family('stampede_iterations_total', 'counter', 'Iterations started (open model).').sample('stampede_iterations_total', {}, c.iterations);
    w.family('stampede_iterations_late_total', 'counter', 'Iterations started after their intended time (open model).').sample('stampede_iterations_late_total', {}, c.late);
    w.family('stampede_iterations_dropped_total', 'counter', 'Iterations that could not start for lack of a free user (open model).').sample('stampede_iterations_dropped_total', {}, c.missed);
  }
}

/** A tag as a label: Prometheus label names are [a-zA-Z_][a-zA-Z0-9_]*, and `le` and `result` are the exporter's own. */
function tagLabels(tags: MetricTags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    let name = k.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^(?=[0-9])|^$/, '_');
    if (name === 'le' || name === 'result' || name.startsWith('__')) name = `tag_${name}`;
    out[name] = v;
  }
  return out;
}

/**
 * The script's custom metrics, as `stampede_custom_<name>`: a counter as `_total`; a rate as `_total` by result
 * (pass, fail), so PromQL can take its ratio over any window; a gauge as a gauge; a trend as a histogram whose
 * bounds are the latency buckets read as milliseconds (1 to 60,000 in the trend's unit). Tags become labels; series
 * are bounded by the Aggregate's cap on tag sets.
 */
function writeCustomMetrics(w: ExpositionWriter, aggregate: Aggregate): void {
  // Family name → metric: a gauge named `x_total` and a counter named `x` would share one; the first keeps it.
  const families = new Map<string, string>();
  for (const m of aggregate.metrics()) {
    const base = `stampede_custom_${m.name}`;
    const labels = tagLabels(m.tags);
    const name = m.kind === 'counter' || m.kind === 'rate' ? `${base}_total` : base;
    const owner = families.get(name);
    if (owner !== undefined && owner !== m.name) continue;
    if (owner === undefined) {
      families.set(name, m.name);
      const type = m.kind === 'trend' ? 'histogram' : m.kind === 'gauge' ? 'gauge' : 'counter';
      w.family(name, type, `Custom ${m.kind} ${m.name} of the script${m.kind === 'rate' ? ', values by result (pass: true)' : ''}.`);
    }
    if (m.kind === 'counter') w.sample(name, labels, m.sum);
    else if (m.kind === 'gauge') w.sample(name, labels, m.value);
    else if (m.kind === 'rate') {
      w.sample(name, { ...labels, result: 'pass' }, m.sum);
      w.sample(name, { ...labels, result: 'fail' }, m.samples - m.sum);
    } else {
      const acc = m.trend!;
      // latencyBuckets reads bounds in s against µs; the trend holds thousandths, so bound b s is b × 1,000 units.
      const buckets = latencyBuckets(acc, DEFAULT_LATENCY_BUCKETS_S).map((b) => ({ le: b.le * TREND_SCALE, count: b.count }));
      w.histogram(name, labels, buckets, (acc.meanUs * acc.count) / TREND_SCALE, acc.count);
    }
  }
}
