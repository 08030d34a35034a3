/**
 * The one percentile definition of Stampede (docs/design/001-percentiles.md).
 *
 * **Nearest rank on the recorded values.** For N samples sorted ascending, the p-th percentile (0 < p ≤ 100)
 * is the sample at 1-based rank `max(1, ceil(p / 100 × N))`; p = 0 is the smallest sample. For samples
 * 1..100: p50 = 50, p99 = 99, p100 = 100. No interpolation: every reported value is (up to histogram
 * resolution) a value that was actually recorded.
 *
 * **From a histogram.** HdrHistogram (3 significant digits) finds the bucket holding that rank exactly. Any value
 * in that bucket is equally consistent with the data, so we report the *roundest* one — the value with the most
 * trailing decimal zeros (like shortest round-trip float printing) — clamped to the exact recorded [min, max].
 * A bucket spans less than 1/1024 of its values, so the result is within 0.1 % of the exact nearest-rank
 * sample. It is exact below 2,048 µs (1 µs buckets), and up to ~1 s whenever the recorded values are whole
 * milliseconds (samples 1..100 ms give p99 = 99 ms, not the bucket midpoint 98.976 ms).
 */
import type { JsHistogram } from 'hdr-histogram-js';

/** 1-based nearest rank of percentile `p` (0..100) among `n` samples; guards float error like 99.9/100 × 1e5. */
export function nearestRank(p: number, n: number): number {
  if (p <= 0) return 1;
  const exact = (Math.min(p, 100) / 100) * n;
  const rounded = Math.round(exact);
  const rank = Math.abs(exact - rounded) < 1e-9 * Math.max(1, exact) ? rounded : Math.ceil(exact);
  return Math.min(n, Math.max(1, rank));
}

/** The integer in [lo, hi] with the most trailing decimal zeros (the smallest such one); lo when lo === hi. */
export function roundestInRange(lo: number, hi: number): number {
  for (let step = 10 ** Math.floor(Math.log10(Math.max(1, hi))); step >= 1; step /= 10) {
    const candidate = Math.ceil(lo / step) * step;
    if (candidate <= hi) return candidate;
  }
  return lo;
}

/**
 * Several percentiles of an HdrHistogram in one pass over its counts, per the definition above.
 * @param hist histogram of values (µs)
 * @param ps percentiles 0..100, ascending
 * @param minUs exact recorded minimum (clamp), or the histogram's own when unknown
 * @param maxUs exact recorded maximum (clamp), or the histogram's own when unknown
 * @returns values in the histogram's unit (µs); all 0 when the histogram is empty
 */
export function histogramPercentiles(hist: JsHistogram, ps: readonly number[], minUs: number, maxUs: number): number[] {
  const out = new Array<number>(ps.length).fill(0);
  const total = hist.totalCount;
  if (total === 0) return out;
  let k = 0;
  let rank = nearestRank(ps[0], total);
  let cumulative = 0;
  for (let i = 0; i < hist.countsArrayLength && k < ps.length; i++) {
    cumulative += hist.getCountAtIndex(i);
    while (k < ps.length && cumulative >= rank) {
      const lowest = hist.valueFromIndex(i);
      const v = roundestInRange(lowest, hist.highestEquivalentValue(lowest));
      out[k] = Math.min(maxUs, Math.max(minUs, v));
      k++;
      if (k < ps.length) rank = nearestRank(ps[k], total);
    }
  }
  return out;
}
