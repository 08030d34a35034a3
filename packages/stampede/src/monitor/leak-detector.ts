/**
 * Memory-leak detection: after a warm-up, fit memory (the target's RSS, and its heap when the scrape has it)
 * against time and against requests served, with a 95 % interval on each slope (linear-fit.ts: block means,
 * autocorrelation-inflated standard error).
 *
 * Decision rule (docs/monitor.md): `leak` only when the interval's LOWER bound exceeds a meaningful growth on both
 * axes — more than `minBytesPerRequest` (default 200 B) per request AND more than `minBytesPerMin` (default
 * 1 MiB) per minute — so a real but negligible drift is never flagged. `no_leak` when the UPPER bound is below
 * either threshold (growth, if any, is provably negligible). Otherwise, or with too little data, `inconclusive`.
 * A leak also needs the later half of the window alone to grow past `minBytesPerRequest` (a point estimate): a
 * leak grows steadily, while the growth of a heap still sizing itself after the warm-up decelerates.
 *
 * `suspect` when, whatever the per-request figure, memory grows steadily by the minute: the per-second slope's lower
 * bound above `suspectBytesPerMin` (default 4 MiB/min), a tight fit (r² ≥ `suspectR2`, default 0.9) and the later
 * half still growing that fast. A fast server spreads a real leak thinly over many requests (8 MiB/min is 46 B per
 * request at 3,000 req/s), yet it exhausts memory all the same; a short window cannot tell it from a cache filling
 * up to its bound, so the verdict is `suspect` rather than `leak`.
 */
import { blockSlopeInterval, fitLine } from './linear-fit.ts';
import type { MonitorSample } from './types.ts';

export type LeakVerdictKind = 'leak' | 'suspect' | 'no_leak' | 'inconclusive';

/** Options of detectLeak. */
export interface LeakOptions {
  /** Seconds at the start left out of the fit (allocation of caches, JIT, heap sizing). Default 5. */
  warmupS?: number;
  /** Requests that must also have been served before the fit window starts (heap sizing follows allocation, so
   * a slow run needs more seconds). Default 0. */
  warmupRequests?: number;
  /** Fit window needed after the warm-up, s. Default 10. */
  minDurationS?: number;
  /** Samples needed in the fit window. Default 20. */
  minSamples?: number;
  /** Blocks the window is averaged into for the interval. Default 10. */
  blocks?: number;
  /** Requests needed in the window for the per-request slope. Default 1000. */
  minRequests?: number;
  /** Meaningful growth per request, bytes. Default 200. */
  minBytesPerRequest?: number;
  /** Meaningful growth per minute, bytes. Default 1 MiB. */
  minBytesPerMin?: number;
  /** Steady growth per minute that makes memory `suspect` whatever the per-request figure, bytes. Default 4 MiB. */
  suspectBytesPerMin?: number;
  /** r² the per-second fit needs for that steady growth to count. Default 0.9. */
  suspectR2?: number;
  /** Heap series in `target_metrics`, fitted too when present. Default 'nodejs_heap_size_used_bytes'. */
  heapSeries?: string;
}

/** The verdict for one memory series (report contract `monitor.leak`). */
export interface SeriesLeakVerdict {
  verdict: LeakVerdictKind;
  /** Which figure was fitted, e.g. 'target_rss_bytes'. */
  series: string;
  reason: string;
  /** Growth per second, bytes/s (same as slope_bytes_per_s). */
  slope?: number;
  slope_bytes_per_s?: number;
  /** 95 % interval of the per-second slope, bytes/s. */
  slope_ci_bytes_per_s?: [number, number];
  slope_bytes_per_request?: number;
  /** 95 % interval of the per-request slope, bytes/request. */
  slope_ci_bytes_per_request?: [number, number];
  /** r² of the per-second fit on every sample of the window. */
  r2?: number;
  /** Confidence level of the intervals. */
  confidence: number;
  warmup_s: number;
  /** Length of the fit window, s. */
  duration_s: number;
  samples: number;
  min_bytes_per_request: number;
  min_bytes_per_min: number;
  /** Steady growth per minute that makes the verdict `suspect` (always set by detectLeak). */
  suspect_bytes_per_min?: number;
}

/** The overall verdict: the RSS verdict, upgraded to `leak` (or `suspect`) when the heap says so; the heap's own beside it. */
export type LeakVerdict = SeriesLeakVerdict & { heap?: SeriesLeakVerdict };

interface Point {
  t: number;
  y: number;
  requests: number | undefined;
}

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

function defaults(o: LeakOptions) {
  return {
    warmupS: o.warmupS ?? 5,
    warmupRequests: o.warmupRequests ?? 0,
    minDurationS: o.minDurationS ?? 10,
    minSamples: o.minSamples ?? 20,
    blocks: o.blocks ?? 10,
    minRequests: o.minRequests ?? 1000,
    minBytesPerRequest: o.minBytesPerRequest ?? 200,
    minBytesPerMin: o.minBytesPerMin ?? 1024 * 1024,
    suspectBytesPerMin: o.suspectBytesPerMin ?? 4 * 1024 * 1024,
    suspectR2: o.suspectR2 ?? 0.9,
  };
}

/** Fits one series of points and decides. */
export function judgeSeries(series: string, all: readonly Point[], options: LeakOptions = {}): SeriesLeakVerdict {
  const o = defaults(options);
  const firstRequests = all[0]?.requests ?? 0;
  const pts = all.filter((p) => p.t >= o.warmupS && (p.requests ?? Infinity) - firstRequests >= o.warmupRequests);
  const durationS = pts.length > 1 ? pts[pts.length - 1]!.t - pts[0]!.t : 0;
  const base = { series, confidence: 0.95, warmup_s: o.warmupS, duration_s: round(durationS), samples: pts.length, min_bytes_per_request: o.minBytesPerRequest, min_bytes_per_min: o.minBytesPerMin, suspect_bytes_per_min: o.suspectBytesPerMin };
  if (durationS < o.minDurationS || pts.length < o.minSamples) {
    return { ...base, verdict: 'inconclusive', reason: `too little data after the ${o.warmupS} s warm-up: ${round(durationS)} s and ${pts.length} samples (need ${o.minDurationS} s and ${o.minSamples})` };
  }
  const t = pts.map((p) => p.t);
  const y = pts.map((p) => p.y);
  const perS = blockSlopeInterval(t, y, o.blocks);
  const r2 = fitLine(t, y).r2;
  const timeFields = { slope: round(perS.slope), slope_bytes_per_s: round(perS.slope), slope_ci_bytes_per_s: [round(perS.low), round(perS.high)] as [number, number], r2: round(r2, 3) };
  const half = Math.floor(pts.length / 2);
  const steady = perS.low * 60 > o.suspectBytesPerMin && r2 >= o.suspectR2 && fitLine(t.slice(half), y.slice(half)).slope * 60 > o.suspectBytesPerMin;
  const suspect = (perRequest: string) => ({
    verdict: 'suspect' as const,
    reason: `${series} grows steadily ${round((perS.slope * 60) / 2 ** 20, 2)} MiB/min [${round((perS.low * 60) / 2 ** 20, 2)}, ${round((perS.high * 60) / 2 ** 20, 2)}] with r² ${round(r2, 3)} over ${round(durationS)} s (${perRequest}): above ${round(o.suspectBytesPerMin / 2 ** 20, 2)} MiB/min whatever the per-request figure; a longer run tells a leak from a cache filling to its bound`,
  });
  const withRequests = pts.every((p) => p.requests !== undefined);
  const served = withRequests ? pts[pts.length - 1]!.requests! - pts[0]!.requests! : 0;
  if (served < o.minRequests) {
    if (steady) return { ...base, ...timeFields, ...suspect(`${served} requests served`) };
    return { ...base, ...timeFields, verdict: 'inconclusive', reason: `only ${served} requests served in the fit window (need ${o.minRequests} for a per-request slope)` };
  }
  const perReq = blockSlopeInterval(pts.map((p) => p.requests!), y, o.blocks);
  const fields = { ...base, ...timeFields, slope_bytes_per_request: round(perReq.slope), slope_ci_bytes_per_request: [round(perReq.low), round(perReq.high)] as [number, number] };
  const perMinLow = perS.low * 60;
  const perMinHigh = perS.high * 60;
  const figures = `${round(perReq.slope)} B/request [${round(perReq.low)}, ${round(perReq.high)}], ${round((perS.slope * 60) / 2 ** 20, 2)} MiB/min over ${round(durationS)} s`;
  // A leak grows steadily; warm-up growth decelerates. The later half alone must still grow past the threshold.
  const lateSlope = fitLine(pts.slice(half).map((p) => p.requests!), y.slice(half)).slope;
  if (perReq.low > o.minBytesPerRequest && perMinLow > o.minBytesPerMin && lateSlope > o.minBytesPerRequest) {
    return { ...fields, verdict: 'leak', reason: `${series} grows ${figures}: the 95 % lower bounds exceed ${o.minBytesPerRequest} B/request and ${round(o.minBytesPerMin / 2 ** 20, 2)} MiB/min` };
  }
  if (steady) return { ...fields, ...suspect(`${round(perReq.slope)} B/request`) };
  if (perReq.high < o.minBytesPerRequest || perMinHigh < o.minBytesPerMin) {
    return { ...fields, verdict: 'no_leak', reason: `${series} growth ${figures} is below ${o.minBytesPerRequest} B/request or ${round(o.minBytesPerMin / 2 ** 20, 2)} MiB/min at 95 % confidence` };
  }
  return { ...fields, verdict: 'inconclusive', reason: `${series} growth ${figures}: the interval straddles the thresholds; run longer` };
}

/** The leak verdict of a run's monitor samples (t in seconds since the load began). */
export function detectLeak(samples: readonly MonitorSample[], options: LeakOptions = {}): LeakVerdict {
  const rssPoints = samples
    .filter((s) => s.target_rss_bytes !== null && s.target_rss_bytes !== undefined)
    .map((s) => ({ t: s.t, y: s.target_rss_bytes as number, requests: s.requests_total }));
  const rss = judgeSeries('target_rss_bytes', rssPoints, options);
  const heapName = options.heapSeries ?? 'nodejs_heap_size_used_bytes';
  const heapPoints = samples
    .filter((s) => s.target_metrics?.[heapName] !== undefined)
    .map((s) => ({ t: s.t, y: s.target_metrics![heapName]!, requests: s.requests_total }));
  if (heapPoints.length === 0) return rss;
  const heap = judgeSeries(heapName, heapPoints, { minSamples: 8, ...options });
  if (heap.verdict === 'leak' && rss.verdict !== 'leak') return { ...rss, verdict: 'leak', reason: `heap: ${heap.reason}`, heap };
  if (heap.verdict === 'suspect' && rss.verdict !== 'leak' && rss.verdict !== 'suspect') return { ...rss, verdict: 'suspect', reason: `heap: ${heap.reason}`, heap };
  return { ...rss, heap };
}
