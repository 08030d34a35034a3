/** Parsing and validating thresholds (k6's expression syntax), once, before the run: a bad one is exit 2. */
import { parseDurationMs } from '../workload/duration.ts';
import { ThresholdError } from './errors.ts';
import type { CustomMetricKind } from '../stats/types.ts';
import type { MetricName, ParsedThreshold, ThresholdExpression, ThresholdObject, ThresholdOperator, Thresholds } from './threshold-types.ts';

type Kind = CustomMetricKind;
const METRICS: Record<MetricName, Kind> = {
  http_req_duration: 'trend',
  http_req_duration_corrected: 'trend',
  http_req_failed: 'rate',
  checks: 'rate',
  http_reqs: 'counter',
  iterations: 'counter',
  dropped_iterations: 'counter',
  late_iterations: 'counter',
  data_received: 'counter',
};
/** Built-in metrics recorded as series of tags, as custom metrics are: a group's duration (`{group:checkout}`). */
const SERIES_METRICS: Record<string, CustomMetricKind> = { group_duration: 'trend' };
/** Request metrics: their tags are `name`, `method`, `scenario` and any tag a request carries (its `tags`, its group). */
const REQUEST_METRICS: ReadonlySet<string> = new Set(['http_req_duration', 'http_req_duration_corrected', 'http_req_failed', 'http_reqs', 'data_received']);

/** Names of the built-in metrics: a custom metric may not take one. */
export const BUILTIN_METRIC_NAMES: readonly string[] = [...Object.keys(METRICS), ...Object.keys(SERIES_METRICS)];

const AGGREGATIONS: Record<Kind, readonly string[]> = {
  trend: ['p', 'avg', 'min', 'max', 'med', 'count'],
  rate: ['rate'],
  counter: ['count', 'rate'],
  gauge: ['value', 'min', 'max'],
};
/** Custom metrics by name (the script's definitions), for thresholds on them. */
export type CustomMetrics = ReadonlyMap<string, CustomMetricKind>;
const NO_CUSTOM: CustomMetrics = new Map();
const TAGS: Record<MetricName, readonly string[]> = {
  http_req_duration: ['name', 'method', 'scenario'],
  http_req_duration_corrected: ['name', 'method', 'scenario'],
  http_req_failed: ['name', 'method', 'scenario'],
  http_reqs: ['name', 'method', 'scenario'],
  data_received: ['name', 'method', 'scenario'],
  checks: ['check', 'scenario'],
  iterations: ['scenario'],
  dropped_iterations: ['scenario'],
  late_iterations: ['scenario'],
};

/**
 * `metric{tag:value,…}` → metric, its kind when custom, and tags. A custom metric takes any tag its samples carry
 * (and `scenario`); a built-in one only its own.
 */
export function parseSelector(selector: string, custom: CustomMetrics = NO_CUSTOM): { metric: string; custom?: CustomMetricKind; tags: Record<string, string> } {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\{(.*)\})?$/s.exec(selector.trim());
  const metric = m?.[1];
  const customKind = metric === undefined || metric in METRICS ? undefined : (SERIES_METRICS[metric] ?? custom.get(metric));
  if (!m || !metric || (!(metric in METRICS) && customKind === undefined)) {
    const customs = custom.size > 0 ? `, or a custom metric of the script (${[...custom.keys()].join(', ')})` : ', or a custom metric the script defines';
    throw new ThresholdError(`unknown threshold metric '${selector}'`, `use one of ${Object.keys(METRICS).join(', ')}${customs}, optionally with {tag:value}`);
  }
  const tags: Record<string, string> = {};
  for (const part of (m[2] ?? '').split(',').filter((p) => p.trim() !== '')) {
    const i = part.indexOf(':');
    const key = i > 0 ? part.slice(0, i).trim() : '';
    const known = customKind === undefined && !REQUEST_METRICS.has(metric) ? TAGS[metric as MetricName] : undefined;
    if (key === '' || (known !== undefined && !known.includes(key))) {
      const hint = known ? `write {tag:value} with tag one of ${known.join(', ')}` : 'write {tag:value}';
      throw new ThresholdError(`'${selector}': '${part.trim()}' is not a tag of ${metric}`, hint);
    }
    tags[key] = part.slice(i + 1).trim();
  }
  return customKind === undefined ? { metric, tags } : { metric, custom: customKind, tags };
}

/** `p(95)<300` → aggregation, operator, limit. */
export function parseExpression(expression: string, metric: string, kind: Kind, selector: string): Pick<ParsedThreshold, 'aggregation' | 'operator' | 'limit'> {
  const m = /^\s*(p\(\s*(\d+(?:\.\d+)?)\s*\)|avg|min|max|med|rate|count|value)\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/.exec(expression);
  if (!m) {
    throw new ThresholdError(`'${selector}': cannot read threshold '${expression}'`, "write aggregation operator number, e.g. 'p(95)<300', 'rate<0.01'");
  }
  const agg = m[1]!.startsWith('p(') ? 'p' : m[1]!;
  if (!AGGREGATIONS[kind].includes(agg)) {
    throw new ThresholdError(`'${selector}': ${metric} has no '${agg === 'p' ? 'p(N)' : agg}'`, `a ${kind} has ${AGGREGATIONS[kind].map((a) => (a === 'p' ? 'p(N)' : a)).join(', ')}`);
  }
  const percentile = Number(m[2]);
  if (agg === 'p' && !(percentile >= 0 && percentile <= 100)) throw new ThresholdError(`'${selector}': percentile ${m[2]} is not in 0..100`);
  const aggregation = agg === 'p' ? { kind: 'p' as const, percentile } : { kind: agg as 'avg' | 'min' | 'max' | 'med' | 'rate' | 'count' | 'value' };
  return { aggregation, operator: m[3] as ThresholdOperator, limit: Number(m[4]) };
}

function parseOne(selector: string, entry: ThresholdExpression | ThresholdObject, custom: CustomMetrics): ParsedThreshold {
  const { metric, custom: customKind, tags } = parseSelector(selector, custom);
  const obj: ThresholdObject = typeof entry === 'string' ? { threshold: entry } : entry;
  if (!obj || typeof obj.threshold !== 'string') throw new ThresholdError(`'${selector}': each threshold is a string or { threshold, abortOnFail?, delayAbortEval? }`);
  const delayMs = obj.delayAbortEval === undefined ? 0 : parseDurationMs(obj.delayAbortEval, `${selector} delayAbortEval`);
  return {
    selector,
    metric,
    ...(customKind ? { custom: customKind } : {}),
    tags,
    condition: obj.threshold.trim(),
    ...parseExpression(obj.threshold, metric, customKind ?? METRICS[metric as MetricName], selector),
    abortOnFail: obj.abortOnFail === true,
    delayAbortEvalS: delayMs / 1000,
  };
}

/**
 * Parses every threshold (declaration order); throws ThresholdError (STAMPEDE_ERR_CONFIG_THRESHOLD) on the first bad
 * one. `custom`: the script's custom metrics, which thresholds may name too.
 */
export function parseThresholds(thresholds: Thresholds | undefined, custom: CustomMetrics = NO_CUSTOM): ParsedThreshold[] {
  if (thresholds === undefined) return [];
  if (!thresholds || typeof thresholds !== 'object') throw new ThresholdError('thresholds must be an object of metric → [conditions]');
  const out: ParsedThreshold[] = [];
  for (const [selector, list] of Object.entries(thresholds)) {
    if (!Array.isArray(list)) throw new ThresholdError(`thresholds['${selector}'] must be an array of conditions`);
    for (const entry of list) out.push(parseOne(selector, entry, custom));
  }
  return out;
}
