/**
 * Thresholds as scripts and config files write them (k6's syntax, typed): a metric, optionally narrowed to a
 * sub-metric by tags, mapped to conditions on one of its aggregations.
 *
 *   thresholds: {
 *     'http_req_duration{name:/portraits}': ['p(95)<300'],
 *     http_req_failed: ['rate<0.01'],
 *     checks: [{ threshold: 'rate>0.99', abortOnFail: true, delayAbortEval: '10s' }],
 *     http_reqs: ['rate>100'],
 *   }
 */
import type { CustomMetricKind } from '../stats/types.ts';
import type { Duration } from '../workload/duration.ts';

/** Latency metrics, in ms: service time, and latency from the intended start (open model; = service time otherwise). */
export type TrendMetric = 'http_req_duration' | 'http_req_duration_corrected';
/** Ratios in [0, 1]: failed requests over requests; passed checks over checks. */
export type RateMetric = 'http_req_failed' | 'checks';
/** Counts over the run (`count`) or per second (`rate`): requests, iterations, dropped and late iterations, bytes. */
export type CounterMetric = 'http_reqs' | 'iterations' | 'dropped_iterations' | 'late_iterations' | 'data_received';
/** Every metric a threshold can name. The `http_*` metrics cover every recorded request (`measure()` too). */
export type MetricName = TrendMetric | RateMetric | CounterMetric;

/**
 * A metric or a sub-metric: `metric{tag:value,…}`. Tags: `name` and `method` (requests), `scenario` (all
 * metrics), `check` (checks).
 */
export type MetricSelector = MetricName | `${MetricName}{${string}}`;

/** Comparison operators (`===` is `==`). */
export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';
/**
 * `p(N)`, `avg`, `min`, `max`, `med` for trends (ms); `rate` for rates; `count` and `rate` (per second) for counters;
 * `value`, `min`, `max` for gauges.
 */
export type Aggregation = `p(${number})` | 'avg' | 'min' | 'max' | 'med' | 'rate' | 'count' | 'value';
/** One condition, e.g. `p(95)<300`, `rate < 0.01`. */
export type ThresholdExpression = `${Aggregation}${ThresholdOperator}${number}` | `${Aggregation} ${ThresholdOperator} ${number}`;

/** A condition with live-abort options. */
export interface ThresholdObject {
  threshold: ThresholdExpression;
  /** Stop the run as soon as this condition fails (evaluated every second). Default false. */
  abortOnFail?: boolean;
  /** Do not abort before this much run time has passed (the metric needs samples to mean anything). Default 0. */
  delayAbortEval?: Duration;
}

/** Thresholds by metric selector: a built-in metric's, or a custom metric's (`carts_created`, `checkout_ms{flow:a}`). */
export type Thresholds = { [K in MetricSelector]?: Array<ThresholdExpression | ThresholdObject> } & {
  [selector: string]: Array<ThresholdExpression | ThresholdObject> | undefined;
};

/** A parsed, validated threshold. */
export interface ParsedThreshold {
  /** The selector as written, e.g. `http_req_duration{name:/portraits}`. */
  selector: string;
  /** A built-in metric (MetricName), or a custom metric's name (then `custom` is its kind). */
  metric: string;
  /** Set for a custom metric (`Counter`, `Gauge`, `Rate`, `Trend` in the script): its kind. */
  custom?: CustomMetricKind;
  tags: Record<string, string>;
  /** The condition as written, e.g. `p(95)<300`. */
  condition: string;
  aggregation: { kind: 'p'; percentile: number } | { kind: 'avg' | 'min' | 'max' | 'med' | 'rate' | 'count' | 'value' };
  operator: ThresholdOperator;
  limit: number;
  abortOnFail: boolean;
  /** Seconds of run time before an abort may happen. */
  delayAbortEvalS: number;
}

/** One threshold's outcome (the JSON report's `thresholds` row, plus what the live check needs). */
export interface ThresholdResult {
  /** The selector as written. */
  metric: string;
  /** The condition as written. */
  condition: string;
  /** Observed value (ms for trends, 0–1 for rates, per second for counter rates); null when there was nothing to measure. */
  value: number | null;
  passed: boolean;
}
