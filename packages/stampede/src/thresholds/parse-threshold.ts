/** Parsing and validating thresholds (k6's expression syntax), once, before the run: a bad one is exit 2. */
import { parseDurationMs } from '../workload/duration.ts';
import { ThresholdError } from './errors.ts';
import type { MetricName, ParsedThreshold, ThresholdExpression, ThresholdObject, ThresholdOperator, Thresholds } from './threshold-types.ts';

type Kind = 'trend' | 'rate' | 'counter';
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
const AGGREGATIONS: Record<Kind, readonly string[]> = {
  trend: ['p', 'avg', 'min', 'max', 'med', 'count'],
  rate: ['rate'],
  counter: ['count', 'rate'],
};
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

/** `metric{tag:value,…}` → metric and tags. */
export function parseSelector(selector: string): { metric: MetricName; tags: Record<string, string> } {
  const m = /^([a-z_]+)(?:\{(.*)\})?$/s.exec(selector.trim());
  const metric = m?.[1] as MetricName | undefined;
  if (!m || !metric || !(metric in METRICS)) {
    throw new ThresholdError(`unknown threshold metric '${selector}'`, `use one of ${Object.keys(METRICS).join(', ')}, optionally with {tag:value}`);
  }
  const tags: Record<string, string> = {};
  for (const part of (m[2] ?? '').split(',').filter((p) => p.trim() !== '')) {
    const i = part.indexOf(':');
    const key = i > 0 ? part.slice(0, i).trim() : '';
    if (!TAGS[metric].includes(key)) {
      throw new ThresholdError(`'${selector}': '${part.trim()}' is not a tag of ${metric}`, `write {tag:value} with tag one of ${TAGS[metric].join(', ')}`);
    }
    tags[key] = part.slice(i + 1).trim();
  }
  return { metric, tags };
}

/** `p(95)<300` → aggregation, operator, limit. */
export function parseExpression(expression: string, metric: MetricName, selector: string): Pick<ParsedThreshold, 'aggregation' | 'operator' | 'limit'> {
  const m = /^\s*(p\(\s*(\d+(?:\.\d+)?)\s*\)|avg|min|max|med|rate|count)\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/.exec(expression);
  if (!m) {
    throw new ThresholdError(`'${selector}': cannot read threshold '${expression}'`, "write aggregation operator number, e.g. 'p(95)<300', 'rate<0.01'");
  }
  const kind = m[1]!.startsWith('p(') ? 'p' : m[1]!;
  if (!AGGREGATIONS[METRICS[metric]].includes(kind)) {
    throw new ThresholdError(`'${selector}': ${metric} has no '${kind === 'p' ? 'p(N)' : kind}'`, `use ${AGGREGATIONS[METRICS[metric]].map((a) => (a === 'p' ? 'p(N)' : a)).join(', ')}`);
  }
  const percentile = Number(m[2]);
  if (kind === 'p' && !(percentile >= 0 && percentile <= 100)) throw new ThresholdError(`'${selector}': percentile ${m[2]} is not in 0..100`);
  const aggregation = kind === 'p' ? { kind: 'p' as const, percentile } : { kind: kind as 'avg' | 'min' | 'max' | 'med' | 'rate' | 'count' };
  return { aggregation, operator: m[3] as ThresholdOperator, limit: Number(m[4]) };
}

function parseOne(selector: string, entry: ThresholdExpression | ThresholdObject): ParsedThreshold {
  const { metric, tags } = parseSelector(selector);
  const obj: ThresholdObject = typeof entry === 'string' ? { threshold: entry } : entry;
  if (!obj || typeof obj.threshold !== 'string') throw new ThresholdError(`'${selector}': each threshold is a string or { threshold, abortOnFail?, delayAbortEval? }`);
  const delayMs = obj.delayAbortEval === undefined ? 0 : parseDurationMs(obj.delayAbortEval, `${selector} delayAbortEval`);
  return {
    selector,
    metric,
    tags,
    condition: obj.threshold.trim(),
    ...parseExpression(obj.threshold, metric, selector),
    abortOnFail: obj.abortOnFail === true,
    delayAbortEvalS: delayMs / 1000,
  };
}

/** Parses every threshold (declaration order); throws ThresholdError (STAMPEDE_ERR_CONFIG_THRESHOLD) on the first bad one. */
export function parseThresholds(thresholds: Thresholds | undefined): ParsedThreshold[] {
  if (thresholds === undefined) return [];
  if (!thresholds || typeof thresholds !== 'object') throw new ThresholdError('thresholds must be an object of metric → [conditions]');
  const out: ParsedThreshold[] = [];
  for (const [selector, list] of Object.entries(thresholds)) {
    if (!Array.isArray(list)) throw new ThresholdError(`thresholds['${selector}'] must be an array of conditions`);
    for (const entry of list) out.push(parseOne(selector, entry));
  }
  return out;
}
