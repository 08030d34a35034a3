/**
 * Types, defaults and the verdict rule shared by the comparison's parts (compare.ts, compare-overall.ts,
 * compare-endpoint.ts). A change is a regression only when its whole confidence interval lies beyond the tolerance
 * in the bad direction: significant and larger than the tolerance at once.
 */

/** Defaults of every comparison option (documented in docs/reports.md). */
export const COMPARE_DEFAULTS = {
  /** Relative tolerance for latency and RPS: 5 %. */
  tolerance: 0.05,
  /** Absolute tolerance for the error rate: 1 percentage point. */
  errorTolerance: 0.01,
  /** Two-sided significance level of every confidence interval. */
  alpha: 0.05,
  /** Seed of the resampling RNG: the same inputs and seed always give the same verdicts. */
  seed: 1,
  /** Bootstrap replicates per metric. */
  resamples: 2000,
  /**
   * Run-to-run noise: the relative standard deviation of each metric between repeated runs of the same workload on
   * the same machine, which no single run can measure (docs/reports.md "Run-to-run noise").
   */
  runNoise: { p50: 0.03, p95: 0.08, p99: 0.15, rps: 0.03 },
  /** A percentile decides a verdict only with at least this many effective samples above it. */
  minTailSamples: 10,
  /**
   * The change in p50 and p95 the runs must hold enough effective samples to detect; with fewer, the comparison is
   * inconclusive (compare-power.ts). 20 %: four times the tolerance, which 60 s runs of a few users reach.
   */
  effectSize: 0.2,
  /** Probability of detecting a change of effectSize, used with it. */
  power: 0.8,
} as const;

/** Relative standard deviation between runs, per metric (fractions). */
export interface RunNoise {
  p50: number;
  p95: number;
  p99: number;
  rps: number;
}

export interface CompareOptions {
  /** Relative tolerance for latency and RPS (fraction, 0.05 = 5 %). */
  tolerance?: number;
  /** Absolute tolerance for the error rate (fraction, 0.01 = 1 percentage point). */
  errorTolerance?: number;
  /** Two-sided significance level (0.05 → 95 % intervals). */
  alpha?: number;
  /** Seconds excluded at the start of each run; default defaultWarmupS(duration). */
  warmupS?: number;
  seed?: number;
  resamples?: number;
  /** Run-to-run noise per metric; missing keys keep their defaults. */
  runNoise?: Partial<RunNoise>;
  /** Effective samples a percentile needs above it to decide (default 10). */
  minTailSamples?: number;
  /** Relative change in p50 and p95 the runs must be able to detect, else inconclusive (fraction, default 0.2). */
  effectSize?: number;
  /** Power at which effectSize must be detectable (default 0.8). */
  power?: number;
}

/** Options with every default filled in. */
export type ResolvedCompareOptions = Required<Omit<CompareOptions, 'warmupS' | 'runNoise'>> & { warmupS: number | undefined; runNoise: RunNoise };

export type Verdict = 'improved' | 'regressed' | 'unchanged';
export type CompareMetric = 'p50_ms' | 'p95_ms' | 'p99_ms' | 'rps' | 'error_rate';

/** One metric of one row. Relative quantities are fractions (0.3 = +30 %). */
export interface MetricComparison {
  metric: CompareMetric;
  /** Whole-run value of the base run (ms, requests/s, or a fraction for error_rate). */
  base: number;
  /** Whole-run value of the new run. */
  new: number;
  /** (new − base) / base of the whole-run values; null when base is 0. */
  delta_pct: number | null;
  /** 'relative': change and ci are fractions of the base; 'absolute': differences of rates (error_rate). */
  scale: 'relative' | 'absolute';
  /** The tested change (overall: of the steady-state series; endpoints: of the whole-run histograms). */
  change: number | null;
  /** Confidence interval of `change` at level 1 − alpha; null when it cannot be estimated. */
  ci: [number, number] | null;
  /** The interval excludes zero. */
  significant: boolean;
  verdict: Verdict;
  /** Whether this metric's verdict counts toward the row's verdict. */
  decides: boolean;
  /** Why it does not decide, or what limited it. */
  note?: string;
}

export interface EndpointComparison {
  method: string;
  name: string;
  verdict: Verdict | 'added' | 'removed';
  metrics: MetricComparison[];
}

/** The comparison's answer: a regression, none the runs could have shown, or runs too short to tell. */
export type CompareVerdict = 'regressed' | 'inconclusive' | 'no_regression';

export interface CompareResult {
  verdict: CompareVerdict;
  tolerance: number;
  effect_size: number;
  power: number;
  error_tolerance: number;
  alpha: number;
  seed: number;
  run_noise: RunNoise;
  /** Warm-up seconds excluded from each run's per-second series (base, new). */
  warmup_s: [number, number];
  /** Steady-state seconds used from each run (base, new). */
  seconds: [number, number];
  /** Variance inflation of one request's latency against independent sampling, per percentile (see docs). */
  design_effect: { p50: number; p95: number; p99: number; errors: number };
  overall: { verdict: Verdict; metrics: MetricComparison[] };
  endpoints: EndpointComparison[];
  /** verdict === 'regressed': the overall row or an endpoint regressed, in runs long enough to measure their noise. */
  regressed: boolean;
  /** Why the runs cannot show a change of effect_size (empty when they can): the CLI exits 6 when nothing regressed. */
  inconclusive_reasons: string[];
  /** Run length (seconds, warm-up included) that would hold enough samples to detect effect_size; null without requests. */
  needed_run_s: number | null;
  notes: string[];
}

/** Default warm-up: 10 % of the run, at least 2 s and at most 60 s. */
export function defaultWarmupS(durationS: number): number {
  return Math.min(60, Math.max(2, 0.1 * durationS));
}

/**
 * The verdict rule: with `higherIsWorse`, regressed when the interval's lower end exceeds +tolerance, improved when its
 * upper end is below −tolerance; mirrored for metrics where higher is better (RPS).
 */
export function verdictOf(ci: [number, number] | null, tolerance: number, higherIsWorse: boolean): Verdict {
  if (!ci) return 'unchanged';
  const [lo, hi] = ci;
  if (lo > tolerance) return higherIsWorse ? 'regressed' : 'improved';
  if (hi < -tolerance) return higherIsWorse ? 'improved' : 'regressed';
  return 'unchanged';
}

/** The worst verdict among the metrics that decide a row. */
export function rowVerdict(metrics: readonly MetricComparison[]): Verdict {
  const deciding = metrics.filter((m) => m.decides);
  if (deciding.some((m) => m.verdict === 'regressed')) return 'regressed';
  if (deciding.some((m) => m.verdict === 'improved')) return 'improved';
  return 'unchanged';
}

