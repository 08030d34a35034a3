/**
 * The overall row of `stampede compare`: a moving-block bootstrap over each run's per-second series (warm-up and the
 * final partial second excluded), and the noise estimates the per-endpoint tests borrow from it (design effects).
 */
import type { LatencyAccumulator } from '../stats/latency-accumulator.ts';
import type { TimeseriesPoint } from '../stats/types.ts';
import { ar1MeanVariance, blockBootstrapRatio, blockLength, mean, QuantileTable, streamRng, studentQuantile, variance, welchDf } from './bootstrap.ts';
import { defaultWarmupS, verdictOf, type MetricComparison, type ResolvedCompareOptions } from './compare-verdict.ts';
import type { LoadedReport } from './json-report.ts';

/** Fewest steady-state seconds a run needs for the overall tests; below it the overall row is not tested. */
export const MIN_STEADY_SECONDS = 5;
/**
 * Design effect assumed when a run is too short to estimate one: requests are taken to be worth one tenth of
 * independent samples (the median measured on loopback runs was 3–30; see docs/reports.md).
 */
export const DEFAULT_DESIGN_EFFECT = 10;
const MAX_DESIGN_EFFECT = 10_000;

/** Noise measured on the overall series, used by the per-endpoint tests. */
export interface OverallNoise {
  designEffect: { p50: number; p95: number; p99: number; errors: number };
  /** Squared relative standard error of each run's mean RPS (base, new); null when not estimated. */
  rpsRelVar: [number, number] | null;
}

export interface OverallResult {
  metrics: MetricComparison[];
  /** Each run's steady-state series and latency table (base, new). */
  runs: readonly [RunSeries, RunSeries];
  /** Whether the overall row was tested (every run has MIN_STEADY_SECONDS steady seconds). */
  tested: boolean;
  noise: OverallNoise;
  warmupS: [number, number];
  seconds: [number, number];
  notes: string[];
}

/** The points used: after the warm-up, with users running, and not the final partial second. */
export function steadySeconds(points: readonly TimeseriesPoint[], warmupS: number): TimeseriesPoint[] {
  const last = points.at(-1);
  return points.filter((p) => p.t > warmupS && p.users > 0 && !(p === last && !Number.isInteger(p.t)));
}

/** A histogram as a quantile table in milliseconds. */
export function quantileTableMs(acc: LatencyAccumulator): QuantileTable {
  const h = acc.hist;
  const buckets: Array<[number, number]> = [];
  for (let i = 0; i < h.countsArrayLength; i++) {
    const c = h.getCountAtIndex(i);
    if (c > 0) buckets.push([h.valueFromIndex(i) / 1000, c]);
  }
  return new QuantileTable(buckets);
}

export interface RunSeries {
  points: TimeseriesPoint[];
  warmupS: number;
  table: QuantileTable;
}

function runSeries(loaded: LoadedReport, opts: ResolvedCompareOptions): RunSeries {
  const warmupS = opts.warmupS ?? defaultWarmupS(loaded.report.duration_s);
  return { points: steadySeconds(loaded.report.timeseries, warmupS), warmupS, table: quantileTableMs(loaded.total) };
}

const QUANTILE_OF = { p50_ms: 0.5, p95_ms: 0.95, p99_ms: 0.99 } as const;
type LatencyKey = keyof typeof QUANTILE_OF;

/**
 * Design effect of one run's percentile: the long-run variance of its per-second series (n × bootstrap variance of
 * the mean) over the variance one second's percentile would have if that second's k requests were independent,
 * (Q(q + s) − Q(q − s)) / 2 with s = √(q(1 − q)/k), read from the run's own distribution.
 */
function percentileDesignEffect(series: readonly number[], replicates: Float64Array, table: QuantileTable, q: number, perSecond: number): number {
  const lrv = series.length * variance(replicates);
  const s = Math.sqrt((q * (1 - q)) / Math.max(1, perSecond));
  const center = table.quantile(q);
  const iidSd = Math.max((table.quantile(Math.min(1, q + s)) - table.quantile(Math.max(0, q - s))) / 2, 1e-3 * center, 1e-6);
  return Math.min(MAX_DESIGN_EFFECT, Math.max(1, lrv / (iidSd * iidSd)));
}

function relativeMetric(
  metric: MetricComparison['metric'],
  base: number,
  next: number,
  ci: [number, number] | null,
  change: number | null,
  opts: ResolvedCompareOptions,
  higherIsWorse: boolean,
): MetricComparison {
  return {
    metric,
    base,
    new: next,
    delta_pct: base === 0 ? null : next / base - 1,
    scale: 'relative',
    change,
    ci,
    significant: ci !== null && (ci[0] > 0 || ci[1] < 0),
    verdict: verdictOf(ci, opts.tolerance, higherIsWorse),
    decides: true,
  };
}

/**
 * Variance of one run's statistic, the larger of two estimates with its degrees of freedom: the moving-block
 * bootstrap (df = independent blocks − 1) and the AR(1) small-sample formula (bootstrap.ts ar1MeanVariance). The
 * bootstrap alone under-covers on short, autocorrelated series (measured: 9–14 % false positives at a nominal 5 %
 * for 54 s with lag-1 correlation 0.5); the larger of the two stays at or below 5 % from ~18 s (docs/reports.md).
 * A ratio of sums Σnum/Σden is linearized: the series num − stat·den, divided by the mean den.
 */
function meanVariance(num: readonly number[], den: readonly number[] | null, stat: number, boot: Float64Array): { v: number; df: number } {
  const n = num.length;
  const mbb = { v: variance(boot), df: Math.max(1, Math.floor(n / blockLength(n)) - 1) };
  const z = den ? num.map((x, i) => x - stat * den[i]) : num;
  const ar = ar1MeanVariance(z);
  const scale = den ? mean(den) ** 2 : 1;
  const model = { v: scale > 0 ? ar.v / scale : NaN, df: ar.df };
  return Number.isFinite(model.v) && model.v > mbb.v ? model : mbb;
}

/** Result of the series test of one metric. */
interface SeriesTest {
  change: number;
  ci: [number, number] | null;
  /** Bootstrap replicates of each run's statistic (mean, or Σnum/Σden). */
  boot: [Float64Array, Float64Array];
  /** Each run's statistic. */
  stat: [number, number];
}

/**
 * Two runs' per-second series compared through their means (or ratios of sums): the moving-block bootstrap gives
 * each run's standard error with the series' autocorrelation left intact; the interval is Student's t on the log
 * ratio ('relative') or on the difference ('absolute'), with Welch–Satterthwaite degrees of freedom counted in
 * independent blocks (⌊n/b⌋ − 1 per run), and run-to-run noise σ added in quadrature (2σ² on the log ratio).
 */
export function seriesTest(
  num: readonly [readonly number[], readonly number[]],
  den: readonly [readonly number[] | null, readonly number[] | null],
  scale: 'relative' | 'absolute',
  sigma: number,
  opts: ResolvedCompareOptions,
  salt: number,
): SeriesTest {
  const boot = [0, 1].map((r) => blockBootstrapRatio(num[r], den[r], opts.resamples, streamRng(opts.seed, salt * 2 + r))) as [Float64Array, Float64Array];
  const stat = [0, 1].map((r) => {
    const d = den[r];
    const sd = d ? d.reduce((a, b) => a + b, 0) : num[r].length;
    return sd === 0 ? NaN : num[r].reduce((a, b) => a + b, 0) / sd;
  }) as [number, number];
  const est = [0, 1].map((r) => meanVariance(num[r], den[r], stat[r], boot[r]));
  const v = est.map((e) => e.v);
  if (scale === 'absolute') {
    const t = studentQuantile(1 - opts.alpha / 2, welchDf(v[0], est[0].df, v[1], est[1].df));
    const change = stat[1] - stat[0];
    const half = t * Math.sqrt(v[0] + v[1]);
    return { change, ci: Number.isFinite(half) ? [change - half, change + half] : null, boot, stat };
  }
  const change = stat[1] / stat[0] - 1;
  if (!(stat[0] > 0 && stat[1] > 0)) return { change, ci: null, boot, stat };
  const rel = v.map((x, r) => x / stat[r] ** 2);
  const t = studentQuantile(1 - opts.alpha / 2, welchDf(rel[0], est[0].df, rel[1], est[1].df));
  const half = t * Math.sqrt(rel[0] + rel[1] + 2 * sigma * sigma);
  const log = Math.log(stat[1] / stat[0]);
  return { change, ci: [Math.exp(log - half) - 1, Math.exp(log + half) - 1], boot, stat };
}

/** Compare the overall rows; also measures the noise the endpoint tests use. */
export function compareOverall(base: LoadedReport, next: LoadedReport, opts: ResolvedCompareOptions): OverallResult {
  const runs = [runSeries(base, opts), runSeries(next, opts)] as const;
  const tested = runs.every((r) => r.points.length >= MIN_STEADY_SECONDS);
  const notes: string[] = [];
  if (!tested) {
    notes.push(`fewer than ${MIN_STEADY_SECONDS} steady-state seconds in a run: the overall row is not tested, endpoints assume a design effect of ${DEFAULT_DESIGN_EFFECT}`);
  }
  const designEffect = { p50: DEFAULT_DESIGN_EFFECT, p95: DEFAULT_DESIGN_EFFECT, p99: DEFAULT_DESIGN_EFFECT, errors: DEFAULT_DESIGN_EFFECT };
  const metrics: MetricComparison[] = [];
  const totals = [base.report.totals, next.report.totals] as const;
  (Object.keys(QUANTILE_OF) as LatencyKey[]).forEach((metric, m) => {
    const q = QUANTILE_OF[metric];
    const key = metric.slice(0, -3) as 'p50' | 'p95' | 'p99';
    const whole = totals.map((t) => t.latency_ms[key]);
    if (!tested) return metrics.push(relativeMetric(metric, whole[0], whole[1], null, null, opts, true));
    const series = runs.map((r) => r.points.filter((p) => p.rps > 0).map((p) => p[metric])) as [number[], number[]];
    const test = seriesTest(series, [null, null], 'relative', opts.runNoise[key], opts, m);
    const d = runs.map((r, i) => percentileDesignEffect(series[i], test.boot[i], r.table, q, mean(r.points.map((p) => p.rps))));
    designEffect[key] = Math.max(d[0], d[1]);
    const row = relativeMetric(metric, whole[0], whole[1], test.ci, test.change, opts, true);
    // The same rule as for endpoints: a percentile with a handful of effective samples above it does not decide.
    const tail = (Math.min(...runs.map((r) => r.points.reduce((s, p) => s + p.rps, 0))) / designEffect[key]) * (1 - q);
    if (tail < opts.minTailSamples) {
      row.decides = false;
      row.note = `only ${tail.toFixed(1)} effective samples above ${key}; needs ${opts.minTailSamples} to decide`;
    }
    metrics.push(row);
  });
  let rpsRelVar: [number, number] | null = null;
  if (tested) {
    const rps = runs.map((r) => r.points.map((p) => p.rps)) as [number[], number[]];
    const test = seriesTest(rps, [null, null], 'relative', opts.runNoise.rps, opts, 5);
    rpsRelVar = [variance(test.boot[0]) / test.stat[0] ** 2, variance(test.boot[1]) / test.stat[1] ** 2];
    metrics.push(relativeMetric('rps', totals[0].rps, totals[1].rps, test.ci, test.change, opts, false));
  } else {
    metrics.push(relativeMetric('rps', totals[0].rps, totals[1].rps, null, null, opts, false));
  }
  metrics.push(errorRateMetric(base, next, runs, tested, opts, designEffect));
  return { metrics, runs, tested, noise: { designEffect, rpsRelVar }, warmupS: [runs[0].warmupS, runs[1].warmupS], seconds: [runs[0].points.length, runs[1].points.length], notes };
}

/** Failure rate: block bootstrap of Σfailures/Σrequests per run, difference of rates (absolute). */
function errorRateMetric(
  base: LoadedReport,
  next: LoadedReport,
  runs: readonly [RunSeries, RunSeries],
  tested: boolean,
  opts: ResolvedCompareOptions,
  designEffect: OverallNoise['designEffect'],
): MetricComparison {
  const rate = (r: LoadedReport) => (r.report.totals.requests === 0 ? 0 : r.report.totals.failures / r.report.totals.requests);
  const [b, n] = [rate(base), rate(next)];
  let ci: [number, number] | null = null;
  let change: number | null = null;
  if (tested) {
    const failures = runs.map((r) => r.points.map((p) => p.failures_per_s)) as [number[], number[]];
    const requests = runs.map((r) => r.points.map((p) => p.rps)) as [number[], number[]];
    const test = seriesTest(failures, requests, 'absolute', 0, opts, 6);
    const d = [0, 1].map((i) => {
      const n = requests[i].reduce((a, b) => a + b, 0);
      const p = test.stat[i];
      return p > 0 && p < 1 ? variance(test.boot[i]) / ((p * (1 - p)) / n) : 1;
    });
    designEffect.errors = Math.min(MAX_DESIGN_EFFECT, Math.max(1, d[0], d[1]));
    change = test.change;
    ci = test.ci;
  }
  return {
    metric: 'error_rate',
    base: b,
    new: n,
    delta_pct: b === 0 ? null : n / b - 1,
    scale: 'absolute',
    change,
    ci,
    significant: ci !== null && (ci[0] > 0 || ci[1] < 0),
    verdict: verdictOf(ci, opts.errorTolerance, true),
    decides: true,
  };
}
