/**
 * Evaluating thresholds: at the end of the run (every one; a threshold with nothing to measure fails, since a gate
 * that measured nothing proves nothing), and live, every second, for those with `abortOnFail` (a threshold with
 * no samples yet never aborts; none aborts before its `delayAbortEval`).
 */
import type { CheckDelta } from '../stats/types.ts';
import { metricValue, type MetricSource } from './metric-value.ts';
import type { ParsedThreshold, ThresholdOperator, ThresholdResult } from './threshold-types.ts';

function compare(value: number, op: ThresholdOperator, limit: number): boolean {
  switch (op) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '==':
    case '===':
      return value === limit;
    case '!=':
      return value !== limit;
  }
}

/** Rounds for the report: µs precision for ms values, 6 significant decimals otherwise. */
function tidy(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** One threshold now. */
export function evaluateThreshold(t: ParsedThreshold, source: MetricSource): ThresholdResult {
  const value = metricValue(t, source);
  return { metric: t.selector, condition: t.condition, value: value === null ? null : tidy(value), passed: value !== null && compare(value, t.operator, t.limit) };
}

/** Every threshold, in declaration order. */
export function evaluateThresholds(thresholds: readonly ParsedThreshold[], source: MetricSource): ThresholdResult[] {
  return thresholds.map((t) => evaluateThreshold(t, source));
}

/**
 * Live check, once a second: the first abortOnFail threshold that fails (past its delay, with samples), or
 * undefined.
 */
export function failingAbortThreshold(thresholds: readonly ParsedThreshold[], source: MetricSource): ThresholdResult | undefined {
  const elapsedS = source.elapsedS();
  for (const t of thresholds) {
    if (!t.abortOnFail || elapsedS < t.delayAbortEvalS) continue;
    const r = evaluateThreshold(t, source);
    if (r.value !== null && !r.passed) return r;
  }
  return undefined;
}

/**
 * Checks as a gate (exit 1 on "checks failed", docs/exit-codes.md): without any threshold on `checks`, a check that
 * failed even once fails the run; a `checks` threshold replaces that rule with its own tolerance.
 * @returns names of the checks that fail the run
 */
export function failedChecks(checks: readonly CheckDelta[], thresholds: readonly ParsedThreshold[]): string[] {
  if (thresholds.some((t) => t.metric === 'checks')) return [];
  return checks.filter((c) => c.fails > 0).map((c) => c.name);
}
