/**
 * Aggregate: the one set of statistics of a run. Thread snapshots are merged into it exactly; every second
 * `tick()` closes an interval into the time series. Console, web UI, Prometheus and report writers all read it;
 * none computes statistics of its own.
 */
import { LatencyAccumulator, decodeLatencyDelta, usToMs, type ExactLatency } from './latency-accumulator.ts';
import { MetricMerger, seriesKey, type MetricView } from './metric-series.ts';
import { RingBuffer } from './ring-buffer.ts';
import { DEFAULT_MAX_NAMES } from './stats-set.ts';
import {
  CheckTally,
  ErrorTally,
  ExceptionTally,
  OVERFLOW_METHOD,
  OVERFLOW_NAME,
  type TallyLimits,
  type WarningSink,
} from './tallies.ts';
import type { CheckDelta, EndpointDelta, ErrorDelta, ExceptionDelta, MetricTags, StatsDelta, TimeseriesPoint } from './types.ts';

/** Locust's PERCENTILES_TO_REPORT (its CSV columns 50%..100%), kept per interval in the history. */
export const HISTORY_PERCENTILES = [50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100] as const;
/** Default time-series capacity: 2 hours of one-second points (~2 MB). */
export const DEFAULT_TIMESERIES_CAPACITY = 7_200;
/** Name of the totals row (Locust's "Aggregated"). */
export const TOTALS_NAME = 'Aggregated';

/** One closed interval: the report's time-series point plus what the Locust history CSV needs. */
export interface HistoryRow {
  point: TimeseriesPoint;
  /** Percentiles of this interval at HISTORY_PERCENTILES, in ms; empty when the interval had no requests. */
  intervalPercentilesMs: number[];
  /** Cumulative totals at the end of the interval (since the last reset). */
  totalRequests: number;
  totalFailures: number;
  totalMedianMs: number;
  totalMeanMs: number;
  totalMinMs: number;
  totalMaxMs: number;
  /** Mean response size, in bytes. */
  totalAvgContentBytes: number;
}

/** One name's row of one interval (Locust's --csv-full-history): the HistoryRow figures of that name alone. */
export interface NameHistoryRow extends HistoryRow {
  method: string;
  name: string;
}

/** A read-only view of one endpoint (or of the totals). Latency accumulators must not be mutated by readers. */
export interface StatsEntryView {
  method: string;
  name: string;
  requests: number;
  failures: number;
  bytesReceived: number;
  /** Requests per second over the elapsed time. */
  rps: number;
  /** Failures per second over the elapsed time. */
  failuresPerS: number;
  /** Service time, µs histogram with exact count/mean/min/max. */
  latency: LatencyAccumulator;
  /** Latency from the intended start (open model); undefined when none was recorded. */
  corrected: LatencyAccumulator | undefined;
  /**
   * Named counters (Recorder.count): requests answered per protocol (`protocol:h2`, `protocol:http/1.1`) and a
   * WebSocket's messages and bytes (`ws:…`). Empty when none was counted.
   */
  counts: ReadonlyMap<string, number>;
}

/** A tagged request row: the requests of one (method, name) that carried these tags. */
export interface TaggedEntryView extends StatsEntryView {
  tags: MetricTags;
}

/** The totals view: an entry named "Aggregated" plus the count of requests interrupted by the stop. */
export interface TotalsView extends StatsEntryView {
  interrupted: number;
}

/** Options of an Aggregate. */
export interface AggregateOptions extends TallyLimits {
  /** Distinct (method, name) pairs kept apart; beyond it they are merged into `(other)`. Default 2,000. */
  maxNames?: number;
  /** Time-series points kept (one per tick, oldest dropped first). Default 7,200. */
  timeseriesCapacity?: number;
  /** Called once per cap reached, with a one-line message. */
  onWarning?: WarningSink;
  /** Run time of the first interval's start, in seconds. Default 0. */
  startS?: number;
  /**
   * Called by each tick with every name's row of the interval just closed (sorted as endpoints()) and the
   * Aggregated row. Setting it keeps an interval histogram per name (~92 KiB each, bounded by `maxNames`).
   */
  onNameHistory?: (rows: NameHistoryRow[], aggregated: HistoryRow) => void;
}

/** One name's figures since the last tick, kept only for onNameHistory. */
interface EntryInterval {
  readonly latency: LatencyAccumulator;
  requests: number;
  failures: number;
}

function byNameThenMethod(a: Entry, b: Entry): number {
  return a.name === b.name ? (a.method < b.method ? -1 : a.method > b.method ? 1 : 0) : a.name < b.name ? -1 : 1;
}

class Entry {
  requests = 0;
  failures = 0;
  bytes = 0;
  readonly latency = new LatencyAccumulator();
  corrected: LatencyAccumulator | undefined;
  interval: EntryInterval | undefined;
  readonly counts = new Map<string, number>();
  constructor(
    readonly method: string,
    readonly name: string,
    perInterval = false,
  ) {
    if (perInterval) this.interval = { latency: new LatencyAccumulator(), requests: 0, failures: 0 };
  }
}

function exactOf(d: EndpointDelta): ExactLatency {
  return { sumUs: d.sumUs, minUs: d.minUs, maxUs: d.maxUs };
}

function correctedExactOf(d: EndpointDelta): ExactLatency {
  return { sumUs: d.correctedSumUs, minUs: d.correctedMinUs, maxUs: d.correctedMaxUs };
}

/**
 * Memory: ~92 KiB per endpoint histogram (×2 with corrected latency), bounded by `maxNames`, plus the time series
 * (bounded by `timeseriesCapacity`). Per-bucket counts are 32-bit: 2^31 samples in one 0.1 % bucket is the limit.
 */
export class Aggregate {
  private readonly entries = new Map<string, Entry>();
  private overflow: Entry | undefined;
  private total = new Entry('', TOTALS_NAME);
  private readonly interval = new LatencyAccumulator();
  private intervalRequests = 0;
  private intervalFailures = 0;
  private interrupted = 0;
  private readonly errorTally: ErrorTally;
  private readonly exceptionTally: ExceptionTally;
  private readonly checkTally: CheckTally;
  private readonly metricSeries: MetricMerger;
  private readonly tagged = new Map<string, Entry & { tags: MetricTags }>();
  private warnedTags = false;
  private readonly ring: RingBuffer<HistoryRow>;
  private readonly maxNames: number;
  private readonly warn: WarningSink;
  private warnedNames = false;
  private startS: number;
  private lastTickS: number;
  private readonly onNameHistory: AggregateOptions['onNameHistory'];

  constructor(options: AggregateOptions = {}) {
    this.maxNames = options.maxNames ?? DEFAULT_MAX_NAMES;
    this.warn = options.onWarning ?? (() => {});
    this.errorTally = new ErrorTally(options.maxErrors ?? 1_000, this.warn);
    this.exceptionTally = new ExceptionTally(options.maxExceptions ?? 500, this.warn);
    this.checkTally = new CheckTally(options.maxChecks ?? DEFAULT_MAX_NAMES, this.warn);
    this.metricSeries = new MetricMerger(this.maxNames, this.warn);
    this.ring = new RingBuffer(options.timeseriesCapacity ?? DEFAULT_TIMESERIES_CAPACITY);
    this.startS = options.startS ?? 0;
    this.lastTickS = this.startS;
    this.onNameHistory = options.onNameHistory;
  }

  /** Merge one thread's (or worker's) delta. Exact: histograms are decoded and added, counts summed. */
  merge(delta: StatsDelta): void {
    for (const d of delta.endpoints) this.mergeEndpoint(d);
    for (const e of delta.errors) {
      const entry = this.resolve(e.method, e.name);
      this.errorTally.add(entry.method, entry.name, e.kind, e.error, e.count);
      if (e.kind === 'interrupted') this.interrupted += e.count;
    }
    for (const x of delta.exceptions) this.exceptionTally.add(x.message, x.stack, x.count);
    for (const c of delta.checks) this.checkTally.add(c.name, c.passes, c.fails);
    if (delta.metrics) this.metricSeries.merge(delta.metrics);
    for (const d of delta.taggedEndpoints ?? []) this.mergeTagged(d);
  }

  /** A tagged row: only its own entry (its requests are in `endpoints` already, and in the totals). */
  private mergeTagged(d: EndpointDelta): void {
    const tags = d.tags ?? {};
    const key = seriesKey(`${d.method}\u0000${d.name}`, tags);
    let e = this.tagged.get(key);
    if (e === undefined) {
      if (this.tagged.size >= this.maxNames) {
        if (!this.warnedTags) {
          this.warnedTags = true;
          this.warn(`more than ${this.maxNames} distinct tagged requests (name and tags): further tags are not kept apart`);
        }
        return;
      }
      e = Object.assign(new Entry(d.method, d.name), { tags });
      this.tagged.set(key, e);
    }
    e.requests += d.requests;
    e.failures += d.failures;
    e.bytes += d.bytes;
    e.latency.addDelta(decodeLatencyDelta(d.histogram), exactOf(d));
    if (d.correctedHistogram !== undefined) (e.corrected ??= new LatencyAccumulator()).addDelta(decodeLatencyDelta(d.correctedHistogram), correctedExactOf(d));
  }

  private mergeEndpoint(d: EndpointDelta): void {
    const entry = this.resolve(d.method, d.name);
    for (const e of [entry, this.total]) {
      e.requests += d.requests;
      e.failures += d.failures;
      e.bytes += d.bytes;
    }
    this.intervalRequests += d.requests;
    this.intervalFailures += d.failures;
    if (d.counts !== undefined) {
      for (const [counter, n] of Object.entries(d.counts)) {
        for (const e of [entry, this.total]) e.counts.set(counter, (e.counts.get(counter) ?? 0) + n);
      }
    }
    if (d.requests === 0) return;
    const hist = decodeLatencyDelta(d.histogram);
    const exact = exactOf(d);
    entry.latency.addDelta(hist, exact);
    this.total.latency.addDelta(hist, exact);
    this.interval.addDelta(hist, exact);
    if (entry.interval !== undefined) {
      entry.interval.latency.addDelta(hist, exact);
      entry.interval.requests += d.requests;
      entry.interval.failures += d.failures;
    }
    if (d.correctedHistogram !== undefined) {
      const corrected = decodeLatencyDelta(d.correctedHistogram);
      const cExact = correctedExactOf(d);
      (entry.corrected ??= new LatencyAccumulator()).addDelta(corrected, cExact);
      (this.total.corrected ??= new LatencyAccumulator()).addDelta(corrected, cExact);
    }
  }

  /** The entry for (method, name), or the overflow entry once the cap on distinct names is reached. */
  private resolve(method: string, name: string): Entry {
    const key = `${method}\u0000${name}`;
    let e = this.entries.get(key);
    if (e !== undefined) return e;
    if (this.entries.size >= this.maxNames) {
      if (!this.warnedNames) {
        this.warnedNames = true;
        this.warn(`more than ${this.maxNames} distinct request names: further ones are counted as "${OVERFLOW_NAME}"`);
      }
      if (method === OVERFLOW_METHOD && name === OVERFLOW_NAME) return (this.overflow ??= this.newEntry(method, name));
      return this.resolve(OVERFLOW_METHOD, OVERFLOW_NAME);
    }
    if (method === OVERFLOW_METHOD && name === OVERFLOW_NAME) return (this.overflow ??= this.newEntry(method, name));
    e = this.newEntry(method, name);
    this.entries.set(key, e);
    return e;
  }

  private newEntry(method: string, name: string): Entry {
    return new Entry(method, name, this.onNameHistory !== undefined);
  }

  /** The history row of one entry (or the totals) for an interval of `dt` s; the interval's figures are given. */
  private historyRow(e: Entry, point: TimeseriesPoint, intervalPercentilesMs: number[]): HistoryRow {
    const [median] = e.latency.percentilesMs([50]);
    return {
      point,
      intervalPercentilesMs,
      totalRequests: e.requests,
      totalFailures: e.failures,
      totalMedianMs: median,
      totalMeanMs: usToMs(e.latency.meanUs),
      totalMinMs: usToMs(e.latency.minUs),
      totalMaxMs: usToMs(e.latency.maxUs),
      totalAvgContentBytes: e.requests === 0 ? 0 : e.bytes / e.requests,
    };
  }

  /** Every name's row of the interval just closed, and their intervals cleared. */
  private nameRows(tSeconds: number, users: number, dt: number): NameHistoryRow[] {
    const entries = [...this.entries.values()].sort(byNameThenMethod);
    if (this.overflow !== undefined) entries.push(this.overflow);
    return entries.map((e) => {
      const i = e.interval!;
      const pcts = i.latency.count > 0 ? i.latency.percentilesMs(HISTORY_PERCENTILES) : [];
      const point = { t: tSeconds, users, rps: i.requests / dt, failures_per_s: i.failures / dt, p50_ms: pcts[0] ?? 0, p95_ms: pcts[5] ?? 0, p99_ms: pcts[7] ?? 0 };
      const row = { ...this.historyRow(e, point, pcts), method: e.method, name: e.name };
      i.latency.reset();
      i.requests = 0;
      i.failures = 0;
      return row;
    });
  }

  /**
   * Close the interval ending at `tSeconds` (run time) and append its point to the time series.
   * Rates are over the interval's length (normally 1 s). Call once a second, after merging that second's deltas.
   */
  tick(tSeconds: number, users: number): TimeseriesPoint {
    const dt = tSeconds > this.lastTickS ? tSeconds - this.lastTickS : 1;
    const has = this.interval.count > 0;
    const pcts = has ? this.interval.percentilesMs(HISTORY_PERCENTILES) : [];
    const point: TimeseriesPoint = {
      t: tSeconds,
      users,
      rps: this.intervalRequests / dt,
      failures_per_s: this.intervalFailures / dt,
      p50_ms: has ? pcts[0] : 0,
      p95_ms: has ? pcts[5] : 0,
      p99_ms: has ? pcts[7] : 0,
    };
    const aggregated = this.historyRow(this.total, point, pcts);
    this.ring.push(aggregated);
    this.onNameHistory?.(this.nameRows(tSeconds, users, dt), aggregated);
    this.interval.reset();
    this.intervalRequests = 0;
    this.intervalFailures = 0;
    this.lastTickS = tSeconds;
    return point;
  }

  /**
   * Forget all statistics (UI "reset stats"); rates restart from `tSeconds` (default: the last tick).
   * The time series is kept: it is the run's history, not a statistic.
   */
  reset(tSeconds: number = this.lastTickS): void {
    this.entries.clear();
    this.overflow = undefined;
    this.total = new Entry('', TOTALS_NAME);
    this.interval.reset();
    this.intervalRequests = 0;
    this.intervalFailures = 0;
    this.interrupted = 0;
    this.errorTally.clear();
    this.exceptionTally.clear();
    this.checkTally.clear();
    this.metricSeries.clear();
    this.tagged.clear();
    this.startS = tSeconds;
    this.lastTickS = tSeconds;
  }

  /** Seconds covered by the statistics: from the start (or last reset) to the last tick. */
  get elapsedS(): number {
    return Math.max(0, this.lastTickS - this.startS);
  }

  private view(e: Entry, elapsedS: number): StatsEntryView {
    return {
      method: e.method,
      name: e.name,
      requests: e.requests,
      failures: e.failures,
      bytesReceived: e.bytes,
      rps: elapsedS > 0 ? e.requests / elapsedS : 0,
      failuresPerS: elapsedS > 0 ? e.failures / elapsedS : 0,
      latency: e.latency,
      corrected: e.corrected,
      counts: e.counts,
    };
  }

  /**
   * Endpoints sorted by name then method, the `(other)` overflow row last.
   * @param elapsedS seconds for the rates (default `elapsedS`; pass the run duration at the end of a run)
   */
  endpoints(elapsedS: number = this.elapsedS): StatsEntryView[] {
    const list = [...this.entries.values()].sort(byNameThenMethod);
    if (this.overflow !== undefined) list.push(this.overflow);
    return list.map((e) => this.view(e, elapsedS));
  }

  /** Totals over all endpoints (method '', name "Aggregated"). @param elapsedS as in endpoints() */
  totals(elapsedS: number = this.elapsedS): TotalsView {
    return { ...this.view(this.total, elapsedS), interrupted: this.interrupted };
  }

  /** Errors by (method, name, kind, message), most frequent first. */
  errors(): ErrorDelta[] {
    return this.errorTally.list();
  }

  /** Exceptions deduplicated by message + stack, most frequent first. */
  exceptions(): ExceptionDelta[] {
    return this.exceptionTally.list();
  }

  /** Checks by name, first seen first. */
  checks(): CheckDelta[] {
    return this.checkTally.list();
  }

  /** Tagged request rows (thresholds on request tags and groups), by name, method, then tags. @param elapsedS as in endpoints() */
  taggedEndpoints(elapsedS: number = this.elapsedS): TaggedEntryView[] {
    return [...this.tagged]
      .sort(([ka, a], [kb, b]) => byNameThenMethod(a, b) || (ka < kb ? -1 : ka > kb ? 1 : 0))
      .map(([, e]) => ({ ...this.view(e, elapsedS), tags: e.tags }));
  }

  /** Custom metrics' series, by name then tag set. */
  metrics(): MetricView[] {
    return this.metricSeries.list();
  }

  /** The time series (report `timeseries`), oldest first; at most `timeseriesCapacity` points. */
  timeseries(): TimeseriesPoint[] {
    return this.ring.toArray().map((r) => r.point);
  }

  /** The history rows behind the time series (Locust stats_history CSV), oldest first. */
  history(): HistoryRow[] {
    return this.ring.toArray();
  }

  /** Time-series points dropped because the ring buffer was full. */
  get droppedPoints(): number {
    return this.ring.dropped;
  }
}
