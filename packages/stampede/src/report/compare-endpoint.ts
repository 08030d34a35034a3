/**
 * One endpoint row of `stampede compare`. The report keeps no per-endpoint time series, only each endpoint's
 * histogram, so the tests read the histograms with an *effective* sample size: requests ÷ the design effect measured
 * on the overall per-second series (compare-overall.ts). Requests of one run are not independent (a GC pause or a
 * busy core slows many at once); deflating n by the variance inflation keeps intervals honest (docs/reports.md).
 */
import type { LatencyAccumulator } from '../stats/latency-accumulator.ts';
import { normalQuantile, percentileInterval, quantileBootstrap, streamRng, withRunNoise } from './bootstrap.ts';
import { quantileTableMs, type OverallNoise } from './compare-overall.ts';
import { verdictOf, type MetricComparison, type ResolvedCompareOptions } from './compare-verdict.ts';
import type { ReportEndpoint } from './report-types.ts';

/** One side of an endpoint comparison. */
export interface EndpointSide {
  report: ReportEndpoint;
  latency: LatencyAccumulator;
  durationS: number;
}

const LATENCY = [
  ['p50_ms', 'p50', 0.5],
  ['p95_ms', 'p95', 0.95],
  ['p99_ms', 'p99', 0.99],
] as const;

function metricOf(
  metric: MetricComparison['metric'],
  base: number,
  next: number,
  scale: MetricComparison['scale'],
  change: number | null,
  ci: [number, number] | null,
  verdict: MetricComparison['verdict'],
  decides: boolean,
  note?: string,
): MetricComparison {
  return {
    metric,
    base,
    new: next,
    delta_pct: base === 0 ? null : next / base - 1,
    scale,
    change,
    ci,
    significant: ci !== null && (ci[0] > 0 || ci[1] < 0),
    verdict,
    decides,
    ...(note ? { note } : {}),
  };
}

/**
 * Latency percentiles: the q-quantile of n_eff = n / D independent draws from each run's histogram is bootstrapped
 * (order-statistic sampling, bootstrap.ts) and the interval of new/base − 1 is read from the replicates.
 */
function latencyMetrics(b: EndpointSide, n: EndpointSide, noise: OverallNoise, opts: ResolvedCompareOptions, salt: number): MetricComparison[] {
  const tables = [quantileTableMs(b.latency), quantileTableMs(n.latency)];
  return LATENCY.map(([metric, key, q], m) => {
    const base = b.report.latency_ms[key];
    const next = n.report.latency_ms[key];
    if (tables[0].total === 0 || tables[1].total === 0 || base === 0) {
      return metricOf(metric, base, next, 'relative', null, null, 'unchanged', true);
    }
    const d = noise.designEffect[key];
    const rng = (k: number) => streamRng(opts.seed, 1000 + salt * 16 + m * 3 + k);
    const reps = tables.map((t, r) => quantileBootstrap(t, q, t.total / d, opts.resamples, rng(r)));
    const ratios = withRunNoise(reps[1].map((x, i) => x / reps[0][i] - 1), opts.runNoise[key], rng(2));
    const ci = percentileInterval(ratios, opts.alpha);
    // Too few effective samples above the percentile: its interval rests on a handful of requests; report, don't decide.
    const tail = Math.min(tables[0].total, tables[1].total) / d * (1 - q);
    const decides = tail >= opts.minTailSamples;
    const note = decides ? undefined : `only ${tail.toFixed(1)} effective samples above ${key}; needs ${opts.minTailSamples} to decide`;
    return metricOf(metric, base, next, 'relative', next / base - 1, ci, verdictOf(ci, opts.tolerance, true), decides, note);
  });
}

/**
 * Throughput: log-normal interval with the relative variance of the run's total RPS (block bootstrap) plus the
 * Poisson thinning of this endpoint's share. Reported, but it does not decide the row: in a closed model an
 * endpoint's RPS follows the latency of every endpoint its users call.
 */
function rpsMetric(b: EndpointSide, n: EndpointSide, noise: OverallNoise, opts: ResolvedCompareOptions): MetricComparison {
  const base = b.report.rps;
  const next = n.report.rps;
  if (base <= 0 || next <= 0 || !noise.rpsRelVar) return metricOf('rps', base, next, 'relative', base > 0 ? next / base - 1 : null, null, 'unchanged', false);
  const relVar = noise.rpsRelVar[0] + noise.rpsRelVar[1] + 1 / b.report.requests + 1 / n.report.requests + 2 * opts.runNoise.rps ** 2;
  const z = normalQuantile(1 - opts.alpha / 2);
  const logRatio = Math.log(next / base);
  const ci: [number, number] = [Math.exp(logRatio - z * Math.sqrt(relVar)) - 1, Math.exp(logRatio + z * Math.sqrt(relVar)) - 1];
  return metricOf('rps', base, next, 'relative', next / base - 1, ci, verdictOf(ci, opts.tolerance, false), false, 'closed model: follows latency; decided overall');
}

/**
 * Error rate: Agresti–Caffo interval for a difference of proportions (one success and one failure added to each
 * side), on effective counts failures/D and requests/D with D the overall error design effect.
 */
function errorRateMetric(b: EndpointSide, n: EndpointSide, noise: OverallNoise, opts: ResolvedCompareOptions): MetricComparison {
  const rate = (s: EndpointSide) => (s.report.requests === 0 ? 0 : s.report.failures / s.report.requests);
  const [pb, pn] = [rate(b), rate(n)];
  if (b.report.failures === 0 && n.report.failures === 0) {
    return metricOf('error_rate', pb, pn, 'absolute', 0, [0, 0], 'unchanged', true);
  }
  const d = noise.designEffect.errors;
  const adjusted = (s: EndpointSide) => {
    const trials = s.report.requests / d + 2;
    const p = (s.report.failures / d + 1) / trials;
    return { p, v: (p * (1 - p)) / trials };
  };
  const [ab, an] = [adjusted(b), adjusted(n)];
  const half = normalQuantile(1 - opts.alpha / 2) * Math.sqrt(ab.v + an.v);
  const diff = an.p - ab.p;
  const ci: [number, number] = [diff - half, diff + half];
  return metricOf('error_rate', pb, pn, 'absolute', pn - pb, ci, verdictOf(ci, opts.errorTolerance, true), true);
}

/** Every metric of one endpoint present in both runs; `salt` separates its RNG streams from other endpoints'. */
export function compareEndpoint(b: EndpointSide, n: EndpointSide, noise: OverallNoise, opts: ResolvedCompareOptions, salt: number): MetricComparison[] {
  return [...latencyMetrics(b, n, noise, opts, salt), rpsMetric(b, n, noise, opts), errorRateMetric(b, n, noise, opts)];
}
