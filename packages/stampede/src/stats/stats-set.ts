/**
 * StatsSet: the per-thread Recorder. Samples go into per-(method, name) latency recorders; `snapshot()` hands
 * everything since the previous snapshot to the Aggregate as a StatsDelta and starts over.
 * Data flow: user → client → StatsSet.record → snapshot → Aggregate.merge → readers.
 */
import { StatsError } from './errors.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import type { RecordedError, Recorder } from './recorder.ts';
import {
  CheckTally,
  ErrorTally,
  ExceptionTally,
  OVERFLOW_METHOD,
  OVERFLOW_NAME,
  describeException,
  type TallyLimits,
  type WarningSink,
} from './tallies.ts';
import { MetricRecorder, seriesKey, sortedTags } from './metric-series.ts';
import type { CustomMetricKind, EndpointDelta, MetricTags, StatsDelta } from './types.ts';

/** Default cap on distinct (method, name) pairs, per StatsSet and per Aggregate. */
export const DEFAULT_MAX_NAMES = 2_000;

/** Options of a StatsSet. */
export interface StatsSetOptions extends TallyLimits {
  /** Distinct (method, name) pairs kept apart; beyond it samples go to `(other)`. Default 2,000. */
  maxNames?: number;
  /** Called once per cap reached (names, errors, exceptions, checks) with a one-line message. */
  onWarning?: WarningSink;
}

interface Entry {
  readonly method: string;
  readonly name: string;
  readonly tags?: MetricTags;
  requests: number;
  failures: number;
  bytes: number;
  readonly latency: LatencyHistogram;
  corrected: LatencyHistogram | undefined;
  counts: Map<string, number> | undefined;
}

function newEntry(method: string, name: string, tags?: MetricTags): Entry {
  return { method, name, ...(tags ? { tags } : {}), requests: 0, failures: 0, bytes: 0, latency: new LatencyHistogram(), corrected: undefined, counts: undefined };
}

function addSample(e: Entry, latencyUs: number, bytes: number, failed: boolean, correctedLatencyUs: number | undefined): void {
  e.requests++;
  e.bytes += bytes;
  e.latency.record(latencyUs);
  if (correctedLatencyUs !== undefined) (e.corrected ??= new LatencyHistogram()).record(correctedLatencyUs);
  if (failed) e.failures++;
}

/**
 * One per thread. Not thread-safe (each worker thread has its own). Memory: ~92 KiB per distinct (method, name)
 * (doubled for names with corrected latency), bounded by `maxNames`; entries are reused across snapshots.
 */
export class StatsSet implements Recorder {
  private readonly byMethod = new Map<string, Map<string, Entry>>();
  private readonly entries: Entry[] = [];
  private overflow: Entry | undefined;
  private readonly maxNames: number;
  private readonly warn: WarningSink;
  private warnedNames = false;
  private readonly errors: ErrorTally;
  private readonly exceptions: ExceptionTally;
  private readonly checks: CheckTally;
  private readonly metrics: MetricRecorder;
  /** Tagged requests by (method, name, tags): a second view for thresholds, capped at maxNames like names. */
  private readonly tagged = new Map<string, Entry>();
  private warnedTags = false;
  // One-entry cache: consecutive samples for the same endpoint skip both map lookups.
  private lastMethod = '';
  private lastName = '';
  private lastEntry: Entry | undefined;

  constructor(options: StatsSetOptions = {}) {
    this.maxNames = options.maxNames ?? DEFAULT_MAX_NAMES;
    if (!(this.maxNames >= 1)) {
      throw new StatsError('STAMPEDE_ERR_STATS_OPTIONS', `maxNames must be ≥ 1, got ${this.maxNames}`, 'pass a positive integer');
    }
    this.warn = options.onWarning ?? (() => {});
    this.errors = new ErrorTally(options.maxErrors ?? 1_000, this.warn);
    this.exceptions = new ExceptionTally(options.maxExceptions ?? 500, this.warn);
    this.checks = new CheckTally(options.maxChecks ?? DEFAULT_MAX_NAMES, this.warn);
    this.metrics = new MetricRecorder(this.maxNames, this.warn);
  }

  /** @inheritdoc */
  record(
    method: string,
    name: string,
    latencyUs: number,
    bytes: number,
    error?: RecordedError,
    correctedLatencyUs?: number,
    tags?: MetricTags,
  ): void {
    const e = this.entryOf(method, name);
    addSample(e, latencyUs, bytes, error !== undefined, correctedLatencyUs);
    if (error !== undefined) this.errors.add(e.method, e.name, error.kind, error.message, 1);
    if (tags !== undefined) {
      const t = this.taggedEntry(e.method, e.name, tags);
      if (t !== undefined) addSample(t, latencyUs, bytes, error !== undefined, correctedLatencyUs);
    }
  }

  /** The tagged entry of a request; undefined past the cap (the request still counts under its name). */
  private taggedEntry(method: string, name: string, tags: MetricTags): Entry | undefined {
    if (Object.keys(tags).length === 0) return undefined;
    const key = seriesKey(`${method}\u0000${name}`, tags);
    let t = this.tagged.get(key);
    if (t !== undefined) return t;
    if (this.tagged.size >= this.maxNames) {
      if (!this.warnedTags) {
        this.warnedTags = true;
        this.warn(`more than ${this.maxNames} distinct tagged requests (name and tags): further tags are not kept apart (thresholds on them see fewer requests); keep tag values few`);
      }
      return undefined;
    }
    t = newEntry(method, name, sortedTags(tags));
    this.tagged.set(key, t);
    return t;
  }

  /** @inheritdoc */
  count(method: string, name: string, counter: string, n: number): void {
    const e = this.entryOf(method, name);
    const counts = (e.counts ??= new Map());
    counts.set(counter, (counts.get(counter) ?? 0) + n);
  }

  /** @inheritdoc */
  recordException(error: unknown): void {
    const { message, stack } = describeException(error);
    this.exceptions.add(message, stack, 1);
  }

  /** @inheritdoc */
  recordCheck(name: string, passed: boolean): void {
    this.checks.add(name, passed ? 1 : 0, passed ? 0 : 1);
  }

  /** @inheritdoc */
  recordMetric(kind: CustomMetricKind, name: string, value: number, tags?: MetricTags): void {
    // Wall-clock time orders a gauge's values across threads and machines (the last one set is the gauge's value).
    this.metrics.record(kind, name, value, tags, Date.now());
  }

  /**
   * Everything recorded since the previous snapshot (endpoints without samples are left out), then start over.
   * Cost: ~tens of µs per active endpoint (histogram encode); call about once a second.
   */
  snapshot(): StatsDelta {
    const endpoints: EndpointDelta[] = [];
    for (const e of this.entries) if (e.requests > 0 || e.counts?.size) endpoints.push(this.drainEntry(e));
    const overflow = this.overflow;
    if (overflow !== undefined && (overflow.requests > 0 || overflow.counts?.size)) endpoints.push(this.drainEntry(overflow));
    const delta: StatsDelta = {
      endpoints,
      errors: this.errors.list(),
      exceptions: this.exceptions.list(),
      checks: this.checks.list(),
    };
    const metrics = this.metrics.drain();
    if (metrics.length > 0) delta.metrics = metrics;
    const tagged: EndpointDelta[] = [];
    for (const t of this.tagged.values()) if (t.requests > 0) tagged.push(this.drainEntry(t));
    if (tagged.length > 0) delta.taggedEndpoints = tagged;
    this.errors.clear();
    this.exceptions.clear();
    this.checks.clear();
    return delta;
  }

  private drainEntry(e: Entry): EndpointDelta {
    const { latency, corrected } = e;
    const out: EndpointDelta = { method: e.method, name: e.name, ...(e.tags ? { tags: e.tags } : {}), requests: e.requests, failures: e.failures, bytes: e.bytes, histogram: '' };
    // An endpoint with only counters this interval (a WebSocket's messages after its handshake) has no latency.
    if (e.requests > 0) {
      out.sumUs = latency.sumUs;
      out.minUs = latency.minUs;
      out.maxUs = latency.maxUs;
      out.histogram = this.encode(latency);
    }
    if (corrected !== undefined && corrected.count > 0) {
      out.correctedSumUs = corrected.sumUs;
      out.correctedMinUs = corrected.minUs;
      out.correctedMaxUs = corrected.maxUs;
      out.correctedHistogram = this.encode(corrected);
    }
    if (e.counts !== undefined && e.counts.size > 0) {
      out.counts = Object.fromEntries(e.counts);
      e.counts.clear();
    }
    e.requests = 0;
    e.failures = 0;
    e.bytes = 0;
    return out;
  }

  private encode(latency: LatencyHistogram): string {
    return latency.encodeAndClear();
  }

  private entryOf(method: string, name: string): Entry {
    let e = this.lastEntry;
    if (e === undefined || name !== this.lastName || method !== this.lastMethod) {
      e = this.byMethod.get(method)?.get(name) ?? this.createEntry(method, name);
      this.lastMethod = method;
      this.lastName = name;
      this.lastEntry = e;
    }
    return e;
  }

  private createEntry(method: string, name: string): Entry {
    if (this.entries.length >= this.maxNames) {
      if (!this.warnedNames) {
        this.warnedNames = true;
        this.warn(
          `more than ${this.maxNames} distinct request names: further ones are counted as "${OVERFLOW_NAME}"; ` +
            'group dynamic URLs with the `name` option (e.g. name: "/items/:id")',
        );
      }
      // Not added to the maps: distinct names beyond the cap must not grow memory.
      return (this.overflow ??= newEntry(OVERFLOW_METHOD, OVERFLOW_NAME));
    }
    const e = newEntry(method, name);
    let byName = this.byMethod.get(method);
    if (byName === undefined) {
      byName = new Map();
      this.byMethod.set(method, byName);
    }
    byName.set(name, e);
    this.entries.push(e);
    return e;
  }
}
