/**
 * `stampede compare BASE.json NEW.json`: per endpoint and overall p50, p95, p99, RPS and error rate, with deltas and a
 * verdict — improved, regressed or unchanged — from tests that account for run-to-run noise and autocorrelated
 * requests (docs/reports.md "How compare decides"). A change is a regression only when its whole confidence interval
 * lies beyond the tolerance in the bad direction, so it is both significant and larger than the tolerance.
 */
import type { LoadedReport } from './json-report.ts';
import { compareOverall, type OverallNoise } from './compare-overall.ts';
import { compareEndpoint } from './compare-endpoint.ts';
import { detectability } from './compare-power.ts';
import {
  COMPARE_DEFAULTS,
  rowVerdict,
  type CompareOptions,
  type CompareResult,
  type CompareVerdict,
  type EndpointComparison,
  type ResolvedCompareOptions,
} from './compare-verdict.ts';

export * from './compare-verdict.ts';

function resolve(options: CompareOptions): ResolvedCompareOptions {
  return {
    tolerance: options.tolerance ?? COMPARE_DEFAULTS.tolerance,
    errorTolerance: options.errorTolerance ?? COMPARE_DEFAULTS.errorTolerance,
    alpha: options.alpha ?? COMPARE_DEFAULTS.alpha,
    seed: options.seed ?? COMPARE_DEFAULTS.seed,
    resamples: options.resamples ?? COMPARE_DEFAULTS.resamples,
    runNoise: { ...COMPARE_DEFAULTS.runNoise, ...options.runNoise },
    minTailSamples: options.minTailSamples ?? COMPARE_DEFAULTS.minTailSamples,
    effectSize: options.effectSize ?? COMPARE_DEFAULTS.effectSize,
    power: options.power ?? COMPARE_DEFAULTS.power,
    warmupS: options.warmupS,
  };
}

const key = (e: { method: string; name: string }) => `${e.method} ${e.name}`;

/** Compare two loaded reports (readJsonReport). Deterministic for a given seed. */
export function compareReports(base: LoadedReport, next: LoadedReport, options: CompareOptions = {}): CompareResult {
  const opts = resolve(options);
  const overall = compareOverall(base, next, opts);
  const noise: OverallNoise = overall.noise;
  const nextByKey = new Map(next.endpoints.map((e, i) => [key(e), i]));
  const endpoints: EndpointComparison[] = [];
  base.endpoints.forEach((e, i) => {
    const j = nextByKey.get(key(e));
    if (j === undefined) {
      endpoints.push({ method: e.method, name: e.name, verdict: 'removed', metrics: [] });
      return;
    }
    nextByKey.delete(key(e));
    const metrics = compareEndpoint(
      { report: base.report.endpoints[i], latency: e.latency, durationS: base.report.duration_s },
      { report: next.report.endpoints[j], latency: next.endpoints[j].latency, durationS: next.report.duration_s },
      noise,
      opts,
      i,
    );
    endpoints.push({ method: e.method, name: e.name, verdict: rowVerdict(metrics), metrics });
  });
  for (const [, j] of nextByKey) {
    const e = next.endpoints[j];
    endpoints.push({ method: e.method, name: e.name, verdict: 'added', metrics: [] });
  }
  const overallVerdict = rowVerdict(overall.metrics);
  const rowRegressed = overallVerdict === 'regressed' || endpoints.some((e) => e.verdict === 'regressed');
  const power = detectability(overall, [base.report.totals.rps, next.report.totals.rps], opts);
  // A regression the intervals show stands when the runs' noise was measured, even if they are too short to see every
  // change of the effect size. Runs too short to measure it (the overall row untested) decide nothing: the endpoint
  // intervals then rest on an assumed design effect.
  const verdict: CompareVerdict = !overall.tested ? 'inconclusive' : rowRegressed ? 'regressed' : power.conclusive ? 'no_regression' : 'inconclusive';
  return {
    verdict,
    tolerance: opts.tolerance,
    effect_size: opts.effectSize,
    power: opts.power,
    error_tolerance: opts.errorTolerance,
    alpha: opts.alpha,
    seed: opts.seed,
    run_noise: opts.runNoise,
    warmup_s: overall.warmupS,
    seconds: overall.seconds,
    design_effect: noise.designEffect,
    overall: { verdict: overallVerdict, metrics: overall.metrics },
    endpoints,
    regressed: verdict === 'regressed',
    inconclusive_reasons: power.reasons,
    needed_run_s: power.neededRunS,
    notes: overall.notes,
  };
}
