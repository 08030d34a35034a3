/**
 * Resampling primitives for `stampede compare` (docs/reports.md "How compare decides"): a seeded RNG, the moving-block
 * bootstrap over per-second series, and an order-statistic bootstrap of a quantile from a histogram with an effective
 * sample size. Everything is deterministic for a given seed, so a verdict can be reproduced.
 */

import { createRandom } from '../user/random.ts';

/** A uniform [0, 1) generator. */
export type Rng = () => number;

/** Seeded generator for resampling: the engine's one PRNG (mulberry32), so the same seed gives the same stream everywhere. */
export const seededRng: (seed: number) => Rng = createRandom;

/** A standard normal deviate (Box–Muller). */
export function normalDeviate(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * Block length of the moving-block bootstrap for n points: ⌈n^(1/3)⌉·1.5, at least 2 (Hall, Horowitz & Jing 1995:
 * the optimal length grows as n^(1/3); the factor keeps per-second autocorrelation from leaking across blocks).
 */
export function blockLength(n: number): number {
  return Math.min(n, Math.max(2, Math.round(1.5 * Math.cbrt(n))));
}

/**
 * Moving-block bootstrap replicates of the ratio Σnum/Σden over a per-second series (den all 1 gives the mean).
 * Each replicate concatenates ⌈n/b⌉ random overlapping blocks of length b and truncates to n points.
 * @returns `resamples` replicate values (NaN where the resampled denominator is 0)
 */
export function blockBootstrapRatio(num: readonly number[], den: readonly number[] | null, resamples: number, rng: Rng): Float64Array {
  const n = num.length;
  const out = new Float64Array(resamples);
  if (n === 0) return out.fill(NaN);
  const b = blockLength(n);
  const starts = n - b + 1;
  for (let r = 0; r < resamples; r++) {
    let sn = 0;
    let sd = 0;
    let taken = 0;
    while (taken < n) {
      const s = Math.floor(rng() * starts);
      for (let j = 0; j < b && taken < n; j++, taken++) {
        sn += num[s + j];
        sd += den ? den[s + j] : 1;
      }
    }
    out[r] = sd === 0 ? NaN : sn / sd;
  }
  return out;
}

/** Mean of a series (0 when empty). */
export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length === 0 ? 0 : s / xs.length;
}

/** Sample variance (n − 1), ignoring NaN; 0 with fewer than two values. */
export function variance(xs: ArrayLike<number>): number {
  let n = 0;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (Number.isNaN(x)) continue;
    n++;
    s += x;
    s2 += x * x;
  }
  return n < 2 ? 0 : Math.max(0, (s2 - (s * s) / n) / (n - 1));
}

/** Empirical quantile (linear between order statistics) of replicate values, NaN ignored. */
export function replicateQuantile(xs: ArrayLike<number>, q: number): number {
  const v = Array.from(xs).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(v.length - 1, lo + 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

/**
 * A discrete distribution (values with counts) that answers quantiles by binary search: built once from a
 * histogram, then queried thousands of times by the quantile bootstrap.
 */
export class QuantileTable {
  private readonly values: Float64Array;
  private readonly cumulative: Float64Array;
  /** Total count. */
  readonly total: number;

  /** @param buckets [value, count] pairs in ascending value order (zero counts allowed) */
  constructor(buckets: ReadonlyArray<readonly [number, number]>) {
    const kept = buckets.filter(([, c]) => c > 0);
    this.values = new Float64Array(kept.map(([v]) => v));
    this.cumulative = new Float64Array(kept.length);
    let c = 0;
    kept.forEach(([, n], i) => (this.cumulative[i] = c += n));
    this.total = c;
  }

  /** Nearest-rank quantile at probability p (0..1); NaN when empty. */
  quantile(p: number): number {
    const n = this.total;
    if (n === 0) return NaN;
    const rank = Math.min(n, Math.max(1, Math.ceil(p * n - 1e-9)));
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid] >= rank) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo];
  }
}

/**
 * Bootstrap replicates of the q-quantile of `effectiveN` independent draws from `table`'s distribution, without
 * drawing them: the q-quantile of n draws is F⁻¹(U₍k₎) with U₍k₎ ~ Beta(k, n−k+1), k = ⌈qn⌉, taken here through its
 * normal approximation N(q, q(1−q)/n) (clamped to the table's range of probabilities).
 */
export function quantileBootstrap(table: QuantileTable, q: number, effectiveN: number, resamples: number, rng: Rng): Float64Array {
  const out = new Float64Array(resamples);
  const sd = Math.sqrt((q * (1 - q)) / Math.max(1, effectiveN));
  const floor = 1 / Math.max(1, table.total);
  for (let r = 0; r < resamples; r++) {
    const p = Math.min(1, Math.max(floor, q + sd * normalDeviate(rng)));
    out[r] = table.quantile(p);
  }
  return out;
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9).
 * @param p probability in (0, 1)
 */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** An independent RNG stream per (seed, salt), so one metric's draws never shift another's. */
export function streamRng(seed: number, salt: number): Rng {
  return seededRng((Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(salt + 1, 0x85ebca6b)) >>> 0);
}

/** Percentile confidence interval [α/2, 1 − α/2] of replicate values; null when none are finite. */
export function percentileInterval(replicates: ArrayLike<number>, alpha: number): [number, number] | null {
  const lo = replicateQuantile(replicates, alpha / 2);
  const hi = replicateQuantile(replicates, 1 - alpha / 2);
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;
}

/**
 * Fold run-to-run noise into ratio replicates (r = new/base − 1): each becomes (1 + r)·exp(√2·σ·Z) − 1, the log-ratio
 * gaining the variance 2σ² of two independent run effects of relative size σ.
 */
export function withRunNoise(ratios: Float64Array, sigma: number, rng: Rng): Float64Array {
  if (!(sigma > 0)) return ratios;
  const s = Math.SQRT2 * sigma;
  return ratios.map((r) => (1 + r) * Math.exp(s * normalDeviate(rng)) - 1);
}

/**
 * Quantile of Student's t with ν degrees of freedom: exact for ν = 1, 2; otherwise the Cornish–Fisher expansion
 * around the normal quantile (Abramowitz & Stegun 26.7.5), accurate to ~1e-3 for ν ≥ 3.
 */
export function studentQuantile(p: number, nu: number): number {
  if (!Number.isFinite(nu) || nu > 1e6) return normalQuantile(p);
  if (nu <= 1) return Math.tan(Math.PI * (p - 0.5));
  if (nu <= 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  const z = normalQuantile(p);
  const z2 = z * z;
  const g1 = (z2 + 1) * z / 4;
  const g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
  const g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
  const g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
  return z + g1 / nu + g2 / nu ** 2 + g3 / nu ** 3 + g4 / nu ** 4;
}

/** Welch–Satterthwaite degrees of freedom of a sum of two variance estimates with their own degrees of freedom. */
export function welchDf(v1: number, df1: number, v2: number, df2: number): number {
  const num = (v1 + v2) ** 2;
  const den = (v1 * v1) / Math.max(1, df1) + (v2 * v2) / Math.max(1, df2);
  return den === 0 ? Infinity : num / den;
}

/**
 * Variance of the mean of an autocorrelated series under an AR(1) model, for small n: the lag-1 autocorrelation is
 * bias-corrected (ρ̂ + (1 + 4ρ̂)/n, clamped to [0, 0.95]; the sample estimate is biased low by ≈ (1 + 3ρ)/n), the
 * finite-sample variance factor f = 1 + 2Σ(1 − k/n)ρᵏ inflates the iid variance, and the sample variance is corrected
 * for its own downward bias ((n − 1)/(n − f)). Returns the variance and the degrees of freedom n/f − 1.
 */
export function ar1MeanVariance(x: readonly number[]): { v: number; df: number } {
  const n = x.length;
  if (n < 2) return { v: NaN, df: 1 };
  const m = mean(x);
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    den += (x[i] - m) ** 2;
    if (i > 0) num += (x[i] - m) * (x[i - 1] - m);
  }
  const r = den === 0 ? 0 : num / den;
  const rho = Math.min(0.95, Math.max(0, r + (1 + 4 * r) / n));
  let sum = 0;
  for (let k = 1; k < n; k++) sum += (1 - k / n) * rho ** k;
  const f = 1 + 2 * sum;
  const sigma2 = (variance(x) * (n - 1)) / Math.max(1e-9, n - f);
  return { v: (sigma2 * f) / n, df: Math.max(1, n / f - 1) };
}
