/**
 * Prometheus histogram buckets read from an HdrHistogram. We export fixed `le` bounds (not quantiles) so that
 * Prometheus can aggregate across endpoints, runs and generators with `histogram_quantile(sum by (le) ...)`;
 * the exact percentiles stay in the reports (docs/observability.md, "Latency: buckets, not summaries").
 */
import type { LatencyAccumulator } from '../stats/latency-accumulator.ts';
import type { HistogramBucket } from './exposition.ts';

/** Default bucket upper bounds, in seconds: 1 ms to 60 s, roughly 1-2.5-5 per decade. */
export const DEFAULT_LATENCY_BUCKETS_S: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

interface Cached {
  count: number;
  boundsS: readonly number[];
  buckets: HistogramBucket[];
}

// Keyed by accumulator: an Aggregate reset replaces its accumulators, so a stale entry is never reused. An
// accumulator only grows between resets, so an unchanged count means unchanged contents.
const cache = new WeakMap<LatencyAccumulator, Cached>();

/**
 * Cumulative bucket counts of a latency accumulator (µs) at upper bounds in seconds.
 *
 * A sample counts toward `le` when its HDR bucket holds or lies below `le`: exact below 2.048 ms (1 µs
 * buckets), and otherwise off by at most the samples within 0.1 % of `le`. One pass over the counts up to the
 * largest recorded value; the result is cached until the accumulator's count changes.
 * @param boundsS ascending upper bounds in seconds
 */
export function latencyBuckets(acc: LatencyAccumulator, boundsS: readonly number[] = DEFAULT_LATENCY_BUCKETS_S): HistogramBucket[] {
  const hit = cache.get(acc);
  if (hit !== undefined && hit.count === acc.count && hit.boundsS === boundsS) return hit.buckets;
  const buckets = computeBuckets(acc, boundsS);
  cache.set(acc, { count: acc.count, boundsS, buckets });
  return buckets;
}

function computeBuckets(acc: LatencyAccumulator, boundsS: readonly number[]): HistogramBucket[] {
  const hist = acc.hist;
  const total = acc.count;
  const out: HistogramBucket[] = boundsS.map((le) => ({ le, count: total }));
  if (total === 0 || out.length === 0) return out;
  const lastIndex = Math.min(hist.countsArrayLength - 1, hist.countsArrayIndex(Math.max(1, hist.maxValue)));
  let k = 0;
  const indexOf = (boundS: number): number => hist.countsArrayIndex(Math.max(1, Math.round(boundS * 1e6)));
  let boundIndex = indexOf(boundsS[0]!);
  let cumulative = 0;
  for (let i = 0; i <= lastIndex && k < out.length; i++) {
    cumulative += hist.getCountAtIndex(i);
    // Ascending bounds give non-decreasing indexes; several bounds may share one HDR bucket.
    while (k < out.length && i === boundIndex) {
      out[k]!.count = cumulative;
      k++;
      if (k < out.length) boundIndex = indexOf(boundsS[k]!);
    }
  }
  // Bounds above the largest sample keep `total` (set at creation).
  return out;
}
