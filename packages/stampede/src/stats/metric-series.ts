/**
 * Custom metrics' series (a metric name plus one tag set): recorded per thread by MetricRecorder (inside a
 * StatsSet), drained into the thread's StatsDelta, merged exactly by MetricMerger (inside an Aggregate).
 * A trend keeps its values × 1,000 in the latency histogram (integers from 0 to 3.6e9, 3 significant digits), so a
 * trend in milliseconds is exactly a latency in µs and reuses the latency code end to end.
 */
import { LatencyAccumulator, decodeLatencyDelta } from './latency-accumulator.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import type { WarningSink } from './tallies.ts';
import type { CustomMetricKind, MetricDelta, MetricTags } from './types.ts';

/** A trend value is kept in thousandths: ms in, µs in the histogram. */
export const TREND_SCALE = 1000;

const NO_TAGS: MetricTags = Object.freeze({});

/** The key of a series: name and tags sorted by key (tag order in `add()` does not make another series). */
export function seriesKey(name: string, tags: MetricTags): string {
  const keys = Object.keys(tags);
  if (keys.length === 0) return name;
  return `${name}\u0000${keys.sort().map((k) => `${k}\u0001${tags[k]}`).join('\u0000')}`;
}

/** The tags with their keys sorted (the form rows carry), values as strings. */
export function sortedTags(tags: MetricTags): MetricTags {
  const keys = Object.keys(tags);
  if (keys.length === 0) return NO_TAGS;
  const out: Record<string, string> = {};
  for (const k of keys.sort()) out[k] = String(tags[k]);
  return out;
}

/**
 * Beyond `max` tagged series, samples go to their metric's untagged series (kept exact), with one warning: tag
 * values built from ids would otherwise grow memory without end, as request names would without --max-names.
 */
class SeriesIndex<S> {
  readonly #byKey = new Map<string, S>();
  #tagged = 0;
  #warned = false;

  constructor(
    private readonly max: number,
    private readonly warn: WarningSink,
    private readonly create: (name: string, kind: CustomMetricKind, tags: MetricTags) => S,
  ) {}

  get(name: string, kind: CustomMetricKind, tags: MetricTags | undefined): S {
    const t = tags ?? NO_TAGS;
    const key = seriesKey(name, t);
    const found = this.#byKey.get(key);
    if (found !== undefined) return found;
    const tagged = key !== name;
    if (tagged && this.#tagged >= this.max) {
      if (!this.#warned) {
        this.#warned = true;
        this.warn(`more than ${this.max} distinct custom metric tag sets: further samples are counted without their tags`);
      }
      return this.get(name, kind, NO_TAGS);
    }
    if (tagged) this.#tagged++;
    const s = this.create(name, kind, sortedTags(t));
    this.#byKey.set(key, s);
    return s;
  }

  values(): IterableIterator<S> {
    return this.#byKey.values();
  }

  clear(): void {
    this.#byKey.clear();
    this.#tagged = 0;
  }
}

interface RecordingSeries {
  readonly name: string;
  readonly kind: CustomMetricKind;
  readonly tags: MetricTags;
  samples: number;
  sum: number;
  value: number;
  at: number;
  min: number;
  max: number;
  trend: LatencyHistogram | undefined;
}

/** The per-thread side: one StatsSet's custom metric samples since its last snapshot. Not thread-safe. */
export class MetricRecorder {
  readonly #series: SeriesIndex<RecordingSeries>;

  constructor(maxSeries: number, warn: WarningSink) {
    this.#series = new SeriesIndex(maxSeries, warn, (name, kind, tags) => ({
      name,
      kind,
      tags,
      samples: 0,
      sum: 0,
      value: 0,
      at: 0,
      min: Infinity,
      max: -Infinity,
      trend: kind === 'trend' ? new LatencyHistogram() : undefined,
    }));
  }

  /** One sample (validated by the metric: finite; a rate's value is 0 or 1). */
  record(kind: CustomMetricKind, name: string, value: number, tags: MetricTags | undefined, wallMs: number): void {
    const s = this.#series.get(name, kind, tags);
    s.samples++;
    switch (kind) {
      case 'counter':
      case 'rate':
        s.sum += value;
        break;
      case 'gauge':
        s.value = value;
        s.at = wallMs;
        if (value < s.min) s.min = value;
        if (value > s.max) s.max = value;
        break;
      case 'trend':
        s.trend!.record(value * TREND_SCALE);
        break;
    }
  }

  /** Every series with samples since the last drain; then start over (trend histograms are reused). */
  drain(): MetricDelta[] {
    const out: MetricDelta[] = [];
    for (const s of this.#series.values()) {
      if (s.samples === 0) continue;
      const d: MetricDelta = { name: s.name, kind: s.kind, tags: s.tags, samples: s.samples, sum: s.sum };
      if (s.kind === 'gauge') Object.assign(d, { value: s.value, at: s.at, min: s.min, max: s.max });
      if (s.trend !== undefined) {
        Object.assign(d, { sum: s.trend.sumUs, min: s.trend.minUs, max: s.trend.maxUs });
        d.histogram = s.trend.encodeAndClear();
      }
      out.push(d);
      s.samples = 0;
      s.sum = 0;
      s.min = Infinity;
      s.max = -Infinity;
    }
    return out;
  }
}

/** One series of a run, as readers see it. Readers must not mutate `trend`. */
export interface MetricView {
  name: string;
  kind: CustomMetricKind;
  tags: MetricTags;
  /** add() calls. */
  samples: number;
  /** counter: sum of the values; rate: values that were true; trend: sum of the values × TREND_SCALE. */
  sum: number;
  /** gauge: the last value set (at wall-clock ms `at`), and the smallest and largest. */
  value: number;
  at: number;
  min: number;
  max: number;
  /** trend: the values × TREND_SCALE, with exact count, sum, min and max. */
  trend: LatencyAccumulator | undefined;
}

type MergedSeries = MetricView;

/** The run side: every thread's and worker's series merged exactly (inside an Aggregate). */
export class MetricMerger {
  readonly #series: SeriesIndex<MergedSeries>;

  constructor(maxSeries: number, warn: WarningSink) {
    this.#series = new SeriesIndex(maxSeries, warn, (name, kind, tags) => ({
      name,
      kind,
      tags,
      samples: 0,
      sum: 0,
      value: 0,
      at: -Infinity,
      min: Infinity,
      max: -Infinity,
      trend: kind === 'trend' ? new LatencyAccumulator() : undefined,
    }));
  }

  merge(deltas: readonly MetricDelta[]): void {
    for (const d of deltas) {
      const s = this.#series.get(d.name, d.kind, d.tags);
      // A name reused with another kind in another thread cannot happen (the definition throws): skip, not corrupt.
      if (s.kind !== d.kind) continue;
      s.samples += d.samples;
      s.sum += d.sum;
      if (d.kind === 'trend' && d.histogram !== undefined) {
        s.trend!.addDelta(decodeLatencyDelta(d.histogram), { sumUs: d.sum, minUs: d.min, maxUs: d.max });
      } else if (d.kind === 'gauge') {
        // The last value set in the run: the latest wall-clock time over threads and workers.
        if ((d.at ?? 0) >= s.at) {
          s.value = d.value ?? 0;
          s.at = d.at ?? 0;
        }
        s.min = Math.min(s.min, d.min ?? Infinity);
        s.max = Math.max(s.max, d.max ?? -Infinity);
      }
    }
  }

  /** Every series, by name then tag set (the untagged series first). */
  list(): MetricView[] {
    return [...this.#series.values()]
      .map((v) => ({ ...v, min: Number.isFinite(v.min) ? v.min : 0, max: Number.isFinite(v.max) ? v.max : 0 }))
      .sort((a, b) => (a.name === b.name ? (seriesKey(a.name, a.tags) < seriesKey(b.name, b.tags) ? -1 : 1) : a.name < b.name ? -1 : 1));
  }

  clear(): void {
    this.#series.clear();
  }
}
