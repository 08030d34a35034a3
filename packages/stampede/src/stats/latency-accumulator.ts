/**
 * The reading side of a latency histogram: an HdrHistogram (µs) plus the exact count, sum, min and max, merged
 * from encoded deltas. Used by the Aggregate for every endpoint, the totals and the current one-second interval.
 */
import type { JsHistogram } from 'hdr-histogram-js';
import { decodeHdr, decodeHdrBuckets, encodeHdr, type HdrBuckets } from './hdr-codec.ts';
import { StatsError } from './errors.ts';
import { LATENCY_HIGHEST_US, LATENCY_LAYOUT, createLatencyHdr } from './latency-histogram.ts';
import { histogramPercentiles } from './percentile.ts';
import type { LatencySummary } from './types.ts';

/** Percentiles of a LatencySummary, in order. */
export const SUMMARY_PERCENTILES = [50, 90, 95, 99, 99.9] as const;

/** Exact side data that travels with an encoded histogram (EndpointDelta fields), all in µs. */
export interface ExactLatency {
  sumUs?: number;
  minUs?: number;
  maxUs?: number;
}

/** Decode a compressed-base64 HdrHistogram (as in EndpointDelta.histogram and the JSON report). */
export function decodeLatencyHistogram(encoded: string): JsHistogram {
  try {
    return decodeHdr(encoded);
  } catch (err) {
    throw new StatsError(
      'STAMPEDE_ERR_STATS_HISTOGRAM',
      `cannot decode latency histogram: ${(err as Error).message}`,
      'histograms must be hdr-histogram-js compressed base64 produced by a StatsSet of the same Stampede version',
    );
  }
}

/**
 * A delta's histogram, decoded once for the several accumulators it is added to: as its non-empty buckets when it
 * has the latency layout (every StatsSet's), else as a whole HdrHistogram.
 */
export interface LatencyDelta {
  readonly buckets?: HdrBuckets;
  readonly hist?: JsHistogram;
}

/** Decode a compressed-base64 HdrHistogram for LatencyAccumulator.addDelta. */
export function decodeLatencyDelta(encoded: string): LatencyDelta {
  let buckets: HdrBuckets;
  try {
    buckets = decodeHdrBuckets(encoded);
  } catch {
    return { hist: decodeLatencyHistogram(encoded) }; // throws the StatsError
  }
  const same =
    buckets.numberOfSignificantValueDigits === LATENCY_LAYOUT.numberOfSignificantValueDigits &&
    buckets.lowestDiscernibleValue === LATENCY_LAYOUT.lowestDiscernibleValue &&
    buckets.highestTrackableValue === LATENCY_LAYOUT.highestTrackableValue;
  return same ? { buckets } : { hist: decodeLatencyHistogram(encoded) };
}

/** JsHistogram's tracking-value updates (private in its typings, used as its own add() uses them). */
interface TrackingValues {
  updatedMaxValue(value: number): void;
  updateMinNonZeroValue(value: number): void;
}

/** µs → ms, kept to µs precision so reports do not print 0.30000000000000004. */
export function usToMs(us: number): number {
  return Math.round(us) / 1000;
}

/** Histogram + exact count/sum/min/max, in µs. Readers must treat it as read-only. */
export class LatencyAccumulator {
  readonly hist: JsHistogram = createLatencyHdr();
  private sum = 0;
  private min = Infinity;
  private max = 0;

  /** Number of samples. */
  get count(): number {
    return this.hist.totalCount;
  }

  /** Exact mean in µs (0 when empty). */
  get meanUs(): number {
    const n = this.hist.totalCount;
    return n === 0 ? 0 : this.sum / n;
  }

  /** Exact smallest sample in µs (0 when empty). */
  get minUs(): number {
    return this.hist.totalCount === 0 ? 0 : this.min;
  }

  /** Exact largest sample in µs (0 when empty). */
  get maxUs(): number {
    return this.max;
  }

  /**
   * Add a histogram with its exact side data; missing side data is taken from the histogram
   * (bucket-equivalent values), so the mean/min/max of foreign histograms stay within 0.1 %.
   */
  add(hist: JsHistogram, exact: ExactLatency = {}): void {
    const n = hist.totalCount;
    if (n === 0) return;
    if (hist.maxValue > LATENCY_HIGHEST_US) {
      throw new StatsError(
        'STAMPEDE_ERR_STATS_HISTOGRAM',
        `latency histogram holds ${hist.maxValue} µs, above the ${LATENCY_HIGHEST_US} µs range`,
        'record latencies through a StatsSet, which clamps them to the histogram range',
      );
    }
    this.hist.add(hist);
    this.sum += exact.sumUs ?? hist.mean * n;
    this.min = Math.min(this.min, exact.minUs ?? hist.getValueAtPercentile(0));
    this.max = Math.max(this.max, exact.maxUs ?? hist.maxValue);
  }

  /**
   * Add a decoded delta with its exact side data: bucket by bucket when it has the latency layout (what
   * JsHistogram.add does, without reading all ~23.5k counts of each side: the merge runs every second on the
   * main thread, which may also be the sending thread), else as add().
   */
  addDelta(delta: LatencyDelta, exact: ExactLatency = {}): void {
    const b = delta.buckets;
    if (b === undefined || exact.sumUs === undefined || exact.minUs === undefined || exact.maxUs === undefined) {
      this.add(delta.hist ?? decodedWhole(b!), exact);
      return;
    }
    const n = b.indexes.length;
    if (n === 0) return;
    const hist = this.hist;
    const maxValue = hist.highestEquivalentValue(hist.valueFromIndex(b.indexes[n - 1]!));
    if (maxValue > LATENCY_HIGHEST_US) {
      throw new StatsError(
        'STAMPEDE_ERR_STATS_HISTOGRAM',
        `latency histogram holds ${maxValue} µs, above the ${LATENCY_HIGHEST_US} µs range`,
        'record latencies through a StatsSet, which clamps them to the histogram range',
      );
    }
    let total = 0;
    let minNonZeroIndex = -1;
    for (let k = 0; k < n; k++) {
      const index = b.indexes[k]!;
      hist.addToCountAtIndex(index, b.counts[k]!);
      total += b.counts[k]!;
      if (minNonZeroIndex === -1 && index !== 0) minNonZeroIndex = index;
    }
    hist.setTotalCount(hist.totalCount + total);
    const tracking = hist as unknown as TrackingValues;
    tracking.updatedMaxValue(Math.max(hist.maxValue, maxValue));
    if (minNonZeroIndex !== -1) tracking.updateMinNonZeroValue(Math.min(hist.minNonZeroValue, hist.valueFromIndex(minNonZeroIndex)));
    this.sum += exact.sumUs;
    this.min = Math.min(this.min, exact.minUs);
    this.max = Math.max(this.max, exact.maxUs);
  }

  /** Add another accumulator (exact side data included). */
  addAccumulator(other: LatencyAccumulator): void {
    if (other.count > 0) this.add(other.hist, { sumUs: other.sum, minUs: other.min, maxUs: other.max });
  }

  /** Percentiles (0..100, ascending) in µs, per the definition in percentile.ts. */
  percentilesUs(ps: readonly number[]): number[] {
    return histogramPercentiles(this.hist, ps, this.minUs, this.maxUs);
  }

  /** One percentile in µs. */
  percentileUs(p: number): number {
    return this.percentilesUs([p])[0];
  }

  /** Percentiles (0..100, ascending) in ms. */
  percentilesMs(ps: readonly number[]): number[] {
    return this.percentilesUs(ps).map(usToMs);
  }

  /** The report's latency summary, in ms (all 0 when empty). */
  summaryMs(): LatencySummary {
    const [p50, p90, p95, p99, p999] = this.percentilesUs(SUMMARY_PERCENTILES);
    return {
      min: usToMs(this.minUs),
      mean: usToMs(this.meanUs),
      p50: usToMs(p50),
      p90: usToMs(p90),
      p95: usToMs(p95),
      p99: usToMs(p99),
      p999: usToMs(p999),
      max: usToMs(this.maxUs),
    };
  }

  /** The histogram, compressed base64 (as hdr-histogram-js encodeIntoCompressedBase64 writes it). */
  encode(): string {
    return encodeHdr(this.hist);
  }

  /** Forget everything. */
  reset(): void {
    this.hist.reset();
    this.sum = 0;
    this.min = Infinity;
    this.max = 0;
  }
}

/** An HdrHistogram holding `b`'s buckets (for add() when exact side data is missing). */
function decodedWhole(b: HdrBuckets): JsHistogram {
  const h = createLatencyHdr();
  for (let k = 0; k < b.indexes.length; k++) h.setCountAtIndex(b.indexes[k]!, b.counts[k]!);
  h.establishInternalTackingValues(b.length);
  return h;
}
