/**
 * Custom metrics as in k6: `Counter`, `Gauge`, `Rate` and `Trend`, defined at module level and fed from tasks.
 * A module-level metric does not know which user calls it, so each user's code runs in an AsyncLocalStorage scope
 * that holds the user's recorder (withMetricRecorder); `add()` records there, into the thread's StatsSet, and the
 * samples travel in the StatsDelta every thread and worker already sends.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ForwardingRecorder, type RecordedError, type Recorder } from '../stats/recorder.ts';
import type { CustomMetricKind, MetricTags } from '../stats/types.ts';
import { BUILTIN_METRIC_NAMES } from '../thresholds/parse-threshold.ts';
import { StampedeUserError } from './errors.ts';

/** What user code runs in: its user's recorder, and the path of the group it is in (`checkout::pay`). */
interface UserScope {
  readonly recorder: Recorder;
  readonly group?: string;
}

const scope = new AsyncLocalStorage<UserScope>();
const defined = new Map<string, CustomMetricKind>();
/** Threshold and Prometheus names: letters, digits and underscores, not starting with a digit. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * Runs `fn` with `recorder` as the target of custom metrics for everything it starts (awaits included). A script
 * that defines no metric runs `fn` as is: an AsyncLocalStorage scope costs every promise a little (Node 20).
 */
export function withMetricRecorder<T>(recorder: Recorder, fn: () => T): T {
  return defined.size === 0 ? fn() : scope.run({ recorder }, fn);
}

/** The group user code runs in now (nested groups as `outer::inner`), if any. */
export function currentGroup(): string | undefined {
  return scope.getStore()?.group;
}

/** Runs `fn` inside group `path`: requests it makes carry the tag `group`, and so does anything it starts. */
export function withinGroup<T>(recorder: Recorder, path: string, fn: () => T): T {
  return scope.run({ recorder: scope.getStore()?.recorder ?? recorder, group: path }, fn);
}

/**
 * The recorder a user's session and `measure()` record through: a request made inside a group gets the tag
 * `group`, so thresholds can select it (`http_req_duration{group:checkout}`).
 */
export class GroupTagRecorder extends ForwardingRecorder {
  /** @inheritdoc */
  override record(method: string, name: string, latencyUs: number, bytes: number, error?: RecordedError, correctedLatencyUs?: number, tags?: MetricTags): void {
    const group = scope.getStore()?.group;
    this.inner.record(method, name, latencyUs, bytes, error, correctedLatencyUs, group === undefined ? tags : { ...tags, group });
  }
}

/** The custom metrics defined in this process, name → kind (for thresholds on them). */
export function definedMetrics(): ReadonlyMap<string, CustomMetricKind> {
  return defined;
}

function define(name: unknown, kind: CustomMetricKind): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new StampedeUserError('STAMPEDE_ERR_METRIC_NAME', `custom metric name ${JSON.stringify(name)} is not valid`, 'use letters, digits and underscores, not starting with a digit (at most 128)');
  }
  if (BUILTIN_METRIC_NAMES.includes(name)) {
    throw new StampedeUserError('STAMPEDE_ERR_METRIC_NAME', `custom metric '${name}' has the name of a built-in metric`, 'choose another name');
  }
  const before = defined.get(name);
  if (before !== undefined && before !== kind) {
    throw new StampedeUserError('STAMPEDE_ERR_METRIC_NAME', `custom metric '${name}' is defined as a ${before} and as a ${kind}`, 'give each metric its own name');
  }
  defined.set(name, kind);
  return name;
}

function checkTags(name: string, tags: MetricTags | undefined): MetricTags | undefined {
  if (tags === undefined) return undefined;
  if (!tags || typeof tags !== 'object') throw new StampedeUserError('STAMPEDE_ERR_METRIC_VALUE', `${name}.add(): tags must be an object of strings`);
  return tags;
}

/** What the four kinds share: a validated, registered name, and where a sample goes. */
abstract class Metric {
  readonly name: string;
  readonly kind: CustomMetricKind;

  constructor(name: string, kind: CustomMetricKind) {
    this.name = define(name, kind);
    this.kind = kind;
  }

  /** Records into the calling user's statistics; outside a user (module level, setup) there is nowhere to count it. */
  protected push(value: number, tags: MetricTags | undefined): void {
    if (!Number.isFinite(value)) {
      throw new StampedeUserError('STAMPEDE_ERR_METRIC_VALUE', `${this.name}.add(${String(value)}): the value must be a finite number`);
    }
    scope.getStore()?.recorder.recordMetric?.(this.kind, this.name, value, checkTags(this.name, tags));
  }
}

/** Adds up values: `count` is their sum over the run, `rate` the sum per second. */
export class Counter extends Metric {
  constructor(name: string) {
    super(name, 'counter');
  }

  /** Adds `value` (default 1; not negative: a counter only grows). */
  add(value = 1, tags?: MetricTags): void {
    if (value < 0) throw new StampedeUserError('STAMPEDE_ERR_METRIC_VALUE', `${this.name}.add(${value}): a counter only grows`, 'use a Gauge for a value that goes down');
    this.push(value, tags);
  }
}

/** The last value set (over every user, thread and worker), with the smallest and largest. */
export class Gauge extends Metric {
  constructor(name: string) {
    super(name, 'gauge');
  }

  /** Sets the gauge to `value`. */
  add(value: number, tags?: MetricTags): void {
    this.push(value, tags);
  }
}

/** The share of values that were true (non-zero), from 0 to 1. */
export class Rate extends Metric {
  constructor(name: string) {
    super(name, 'rate');
  }

  /** Counts one value: true or non-zero counts as a pass. */
  add(value: boolean | number, tags?: MetricTags): void {
    this.push(typeof value === 'number' && Number.isNaN(value) ? value : value ? 1 : 0, tags);
  }
}

/**
 * A distribution (p(N), avg, min, max, med), kept in a histogram with 3 significant digits, as latency is. Values
 * from 0 to 3,600,000 with a resolution of 0.001: a duration in milliseconds up to an hour, a size, a count.
 */
export class Trend extends Metric {
  constructor(name: string) {
    super(name, 'trend');
  }

  /** Adds one value (not negative; above 3,600,000 it counts as 3,600,000). */
  add(value: number, tags?: MetricTags): void {
    if (value < 0) throw new StampedeUserError('STAMPEDE_ERR_METRIC_VALUE', `${this.name}.add(${value}): trend values cannot be negative`);
    this.push(value, tags);
  }
}
