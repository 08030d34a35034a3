/**
 * Ordinary least squares for the leak detector, and a slope interval that survives autocorrelated residuals:
 * the fit is made on block means (averaging within a block removes short-range correlation such as a GC
 * sawtooth) and the standard error is inflated by the AR(1) factor √((1+ρ)/(1−ρ)) of the block residuals' lag-1
 * autocorrelation ρ when it is positive.
 */

/** A straight-line fit. */
export interface LineFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination (0–1); 0 when y does not vary. */
  r2: number;
  residuals: number[];
  /** Σ(x − x̄)². */
  sxx: number;
}

/** OLS of y on x (same length ≥ 2). */
export function fitLine(x: readonly number[], y: readonly number[]): LineFit {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i]! - mx) ** 2;
    sxy += (x[i]! - mx) * (y[i]! - my);
    syy += (y[i]! - my) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const intercept = my - slope * mx;
  const residuals = x.map((xi, i) => y[i]! - (intercept + slope * xi));
  const sse = residuals.reduce((a, r) => a + r * r, 0);
  return { slope, intercept, r2: syy > 0 ? Math.max(0, 1 - sse / syy) : 0, residuals, sxx };
}

// Student's t, two-sided 95 % (0.975 quantile), df 1..30; beyond 30 the normal 1.96 is close enough.
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** The 0.975 quantile of Student's t with `df` degrees of freedom. */
export function tQuantile975(df: number): number {
  return df >= 1 && df <= 30 ? T975[Math.floor(df) - 1]! : 1.96;
}

/** Means of x and y over `blocks` consecutive, equal-count blocks of the points (in order). */
export function blockMeans(x: readonly number[], y: readonly number[], blocks: number): { x: number[]; y: number[] } {
  const out = { x: [] as number[], y: [] as number[] };
  const n = x.length;
  for (let b = 0; b < blocks; b++) {
    const from = Math.floor((b * n) / blocks);
    const to = Math.floor(((b + 1) * n) / blocks);
    if (to <= from) continue;
    let sx = 0;
    let sy = 0;
    for (let i = from; i < to; i++) {
      sx += x[i]!;
      sy += y[i]!;
    }
    out.x.push(sx / (to - from));
    out.y.push(sy / (to - from));
  }
  return out;
}

/** Lag-1 autocorrelation of a series (0 for fewer than 3 points or no variance). */
export function lag1Autocorrelation(r: readonly number[]): number {
  if (r.length < 3) return 0;
  const m = r.reduce((a, b) => a + b, 0) / r.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < r.length; i++) {
    den += (r[i]! - m) ** 2;
    if (i > 0) num += (r[i]! - m) * (r[i - 1]! - m);
  }
  return den > 0 ? num / den : 0;
}

/** A slope with its 95 % interval. */
export interface SlopeInterval {
  slope: number;
  low: number;
  high: number;
  /** Standard error after the autocorrelation inflation. */
  se: number;
  /** Lag-1 autocorrelation of the block residuals. */
  rho: number;
}

/** Slope of y on x fitted on `blocks` block means, with a 95 % interval (df = blocks − 2). */
export function blockSlopeInterval(x: readonly number[], y: readonly number[], blocks: number): SlopeInterval {
  const m = blockMeans(x, y, blocks);
  const fit = fitLine(m.x, m.y);
  const df = m.x.length - 2;
  const sse = fit.residuals.reduce((a, r) => a + r * r, 0);
  const rho = Math.min(0.9, lag1Autocorrelation(fit.residuals));
  const inflation = rho > 0 ? Math.sqrt((1 + rho) / (1 - rho)) : 1;
  const se = df > 0 && fit.sxx > 0 ? Math.sqrt(sse / df / fit.sxx) * inflation : Infinity;
  const half = tQuantile975(df) * se;
  return { slope: fit.slope, low: fit.slope - half, high: fit.slope + half, se, rho };
}
