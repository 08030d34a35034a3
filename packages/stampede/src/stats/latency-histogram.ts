/**
 * The recording side of a latency histogram: a flat counts array laid out exactly like hdr-histogram-js
 * (lowest discernible value 1 µs, highest trackable 1 hour, 3 significant digits), filled with integer
 * arithmetic only. hdr-histogram-js's own `recordValue` costs ~150 ns here (Math.log2/Math.pow per call);
 * this costs a few ns, and converts to a real HdrHistogram once per snapshot for encoding.
 */
import type { JsHistogram } from 'hdr-histogram-js';
import { encodeHdrCounts, Int32Histogram, type HdrLayout } from './hdr-codec.ts';

/** Lowest discernible latency, in µs. */
export const LATENCY_LOWEST_US = 1;
/** Highest trackable latency, in µs (1 hour). Larger samples are recorded as this value. */
export const LATENCY_HIGHEST_US = 3_600_000_000;
/** Significant decimal digits kept by every latency histogram. */
export const LATENCY_SIGNIFICANT_DIGITS = 3;

// For lowest = 1 and 3 digits, hdr-histogram-js uses 2048 sub-buckets (half = 1024 = 2^10) and unit magnitude 0.
const SUB_BUCKET_HALF_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_MAGNITUDE;

/** A new, empty HdrHistogram with the one latency layout used everywhere (µs, fixed range, no auto-resize). */
export function createLatencyHdr(): JsHistogram {
  return new Int32Histogram(LATENCY_LOWEST_US, LATENCY_HIGHEST_US, LATENCY_SIGNIFICANT_DIGITS);
}

const COUNTS_LENGTH = createLatencyHdr().countsArrayLength;

/** The parameters every latency histogram is encoded with. */
export const LATENCY_LAYOUT: HdrLayout = {
  numberOfSignificantValueDigits: LATENCY_SIGNIFICANT_DIGITS,
  lowestDiscernibleValue: LATENCY_LOWEST_US,
  highestTrackableValue: LATENCY_HIGHEST_US,
};

/** Counts-array index of a clamped integer value (same formula as hdr-histogram-js, with clz32 instead of log2). */
function countsIndex(v: number): number {
  const msb = 31 - Math.clz32(v);
  const bucket = msb > SUB_BUCKET_HALF_MAGNITUDE ? msb - SUB_BUCKET_HALF_MAGNITUDE : 0;
  return (bucket << SUB_BUCKET_HALF_MAGNITUDE) + (v >>> bucket);
}

/** Lowest value of the bucket at `index` (inverse of countsIndex). */
export function valueFromIndex(index: number): number {
  let bucket = (index >>> SUB_BUCKET_HALF_MAGNITUDE) - 1;
  let sub = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/**
 * Per-thread latency recorder with exact count, sum, min and max (µs). Not thread-safe; one per StatsSet entry.
 * Memory: one Uint32Array of ~23.5k counts (~92 KiB), allocated once and reused after every drain.
 */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(COUNTS_LENGTH);
  /** Samples recorded since the last drain. */
  count = 0;
  /** Exact sum of recorded values since the last drain, in µs (after rounding each to an integer µs). */
  sumUs = 0;
  /** Exact smallest recorded value since the last drain, in µs (Infinity when empty). */
  minUs = Infinity;
  /** Exact largest recorded value since the last drain, in µs (0 when empty). */
  maxUs = 0;

  /** Record one latency in µs: rounded to an integer, clamped to [0, LATENCY_HIGHEST_US]. */
  record(latencyUs: number): void {
    let v = Math.round(latencyUs);
    if (!(v >= 0)) v = 0; // also catches NaN
    else if (v > LATENCY_HIGHEST_US) v = LATENCY_HIGHEST_US;
    this.counts[countsIndex(v)]++;
    this.count++;
    this.sumUs += v;
    if (v < this.minUs) this.minUs = v;
    if (v > this.maxUs) this.maxUs = v;
  }

  /**
   * Everything recorded, encoded (base64) with the payload a drained HdrHistogram would have, then clear this
   * recorder. Reads only the buckets up to the largest value, no HdrHistogram in between, and by default skips the
   * zlib layer (see encodeHdrCounts): the per-second snapshot runs on the thread that sends (issue 11 goal 4).
   */
  encodeAndClear(compress = false): string {
    const limit = this.count === 0 ? 1 : countsIndex(this.maxUs) + 1;
    const encoded = encodeHdrCounts(LATENCY_LAYOUT, this.counts, limit, compress);
    this.counts.fill(0, 0, limit);
    this.count = 0;
    this.sumUs = 0;
    this.minUs = Infinity;
    this.maxUs = 0;
    return encoded;
  }


}
