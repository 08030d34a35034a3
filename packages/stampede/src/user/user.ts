/**
 * The user classes scripts extend: `User` (any client, timed with `measure()`) and `HttpUser`
 * (`this.client` is the instrumented HTTP session). The runner creates one instance per simulated user
 * and drives it through user-runner.ts.
 */
import type { Clock } from '../clock.ts';
import type { HttpSession } from '../http/types.ts';
import type { Logger, LogLevel } from '../logger.ts';
import type { Recorder } from '../stats/recorder.ts';
import { StampedeUserError, errorMessage, markRecorded } from './errors.ts';
import { currentGroup, withinGroup } from './metrics.ts';
import type { RandomSource } from './random.ts';
import type { TaskSpec } from './task.ts';
import { constant, type WaitTime } from './wait-time.ts';

/** What a user instance is given by the runner (`this.environment`). */
export interface UserEnvironment {
  /** Base URL of the system under test: `--host`, else the class's `static host`. */
  readonly host: string | undefined;
  /** 0-based index of this user in spawn order. */
  readonly userIndex: number;
  /** Aborted when this user must stop (end of run, ramp-down, or `this.stop()`). */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  /** This user's seeded random source, [0, 1). */
  readonly random: RandomSource;
  readonly logger: Logger;
  readonly recorder: Recorder;
  /** This user's HTTP session (required by HttpUser). */
  readonly session?: HttpSession;
  /** What the script's `setup()` returned (frozen), or undefined without setup. */
  readonly setupData?: unknown;
  /** Asks the runner to stop this user after its current task (used by `User.stop()`). */
  requestStop(): void;
}

/** `this.log`: lines go to the run's logger with the user class name as source. */
export interface UserLog {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

/** Options of `User.measure()`. */
export interface MeasureOptions {
  /** Request type shown in the statistics (default `CUSTOM`), e.g. `grpc`, `ws`, `sql`. */
  method?: string;
}

function createLog(logger: Logger, source: string): UserLog {
  const at = (level: LogLevel) => (message: string) => logger.log(level, message, source);
  return { debug: at('debug'), info: at('info'), warning: at('warning'), error: at('error') };
}

/**
 * Base class of every simulated user. Subclasses declare tasks (`@task` methods or `static tasks`),
 * and optionally `weight`, `fixedCount`, `host` and `waitTime`.
 */
export class User<SetupData = unknown> {
  /** Relative share of users of this class (default 1). Ignored when `fixedCount` > 0. */
  static weight = 1;
  /** Exactly this many users of this class, spawned before the weighted ones (0 = use weight). */
  static fixedCount = 0;
  /** Default host when `--host` is not given. */
  static host: string | undefined = undefined;
  /** Wait after each task, in seconds (default: none). */
  static waitTime: WaitTime = constant(0);
  /** Tasks in map or array form; `@task` methods are added to these. */
  static tasks: TaskSpec | undefined = undefined;
  /** True on base classes that must not run. Only an own `abstract` counts: subclasses are runnable. */
  static abstract = true;

  /** What the runner gave this user: host, index, signal, clock, random source. */
  readonly environment: UserEnvironment;
  /** Log lines tagged with this class name. */
  readonly log: UserLog;

  constructor(environment: UserEnvironment) {
    this.environment = environment;
    this.log = createLog(environment.logger, new.target.name);
  }

  /** Base URL of the system under test. */
  get host(): string | undefined {
    return this.environment.host;
  }

  /**
   * What the script's `export async function setup()` returned, the same for every user (read-only: frozen). Type
   * it with the class's parameter: `class Buyer extends HttpUser<{ token: string }>`. It travels as JSON.
   */
  get setupData(): SetupData {
    return this.environment.setupData as SetupData;
  }

  /** Called once when the user starts, before its first task. A throw stops this user (recorded). */
  onStart(): void | Promise<void> {}

  /** Called once when the user stops, after its current task has finished. */
  onStop(): void | Promise<void> {}

  /**
   * Times `fn` as one request named `name` (for custom clients). A throw records a failure of kind `other`
   * and is rethrown, ending the task; it is counted once, as a failure, not also as an exception.
   * @returns what `fn` returned
   */
  async measure<T>(name: string, fn: () => T | Promise<T>, options: MeasureOptions = {}): Promise<T> {
    const { clock, recorder } = this.environment;
    const method = options.method ?? 'CUSTOM';
    const startMs = clock.now();
    try {
      const result = await fn();
      recorder.record(method, name, Math.round((clock.now() - startMs) * 1000), 0);
      return result;
    } catch (error) {
      const latencyUs = Math.round((clock.now() - startMs) * 1000);
      recorder.record(method, name, latencyUs, 0, { kind: 'other', message: errorMessage(error) });
      markRecorded(error);
      throw error;
    }
  }

  /**
   * Runs `fn` as the group `name` (k6's `group()`): its duration is recorded in the trend `group_duration` with the
   * tag `group`, and every request made inside it carries that tag, so thresholds can select the group
   * (`'group_duration{group:checkout}'`, `'http_req_duration{group:checkout}'`). Groups nest as `outer::inner`.
   * A throw ends the group (its duration is still recorded) and is rethrown.
   * @returns what `fn` returned
   */
  async group<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    if (typeof name !== 'string' || name === '') throw new StampedeUserError('STAMPEDE_ERR_METRIC_VALUE', 'group(): the name must be a non-empty string');
    const { clock, recorder } = this.environment;
    const outer = currentGroup();
    const path = outer === undefined ? name : `${outer}::${name}`;
    const startMs = clock.now();
    try {
      return await withinGroup(recorder, path, fn);
    } finally {
      recorder.recordMetric?.('trend', 'group_duration', clock.now() - startMs, { group: path });
    }
  }

  /**
   * Records a named check (passes/fails counted per name). Never throws: a throwing condition fails.
   * @returns whether the check passed
   */
  check(name: string, condition: boolean | (() => boolean)): boolean {
    let passed: boolean;
    try {
      passed = typeof condition === 'function' ? Boolean(condition()) : Boolean(condition);
    } catch {
      passed = false;
    }
    this.environment.recorder.recordCheck(name, passed);
    return passed;
  }

  /** Stops this user after its current task (onStop still runs). To leave the task at once, `throw new StopUser()`. */
  stop(): void {
    this.environment.requestStop();
  }
}

/** A user with an instrumented HTTP client: `this.client.get('/path', { name })`. */
export class HttpUser<SetupData = unknown> extends User<SetupData> {
  static override abstract = true;

  /** This user's HTTP session (own cookies and default headers), injected by the runner. */
  readonly client: HttpSession;

  constructor(environment: UserEnvironment) {
    super(environment);
    if (!environment.session) {
      throw new StampedeUserError(
        'STAMPEDE_ERR_NO_HOST',
        `${new.target.name} is an HttpUser but was created without an HTTP session`,
        'pass --host URL or set `static host` on the class',
      );
    }
    this.client = environment.session;
  }
}

/** A concrete user class as the runner sees it: a constructor plus the static fields. */
export type UserClass<U extends User = User> = (new (environment: UserEnvironment) => U) & {
  readonly name: string;
  weight: number;
  fixedCount: number;
  host: string | undefined;
  waitTime: WaitTime;
  tasks: TaskSpec | undefined;
  abstract: boolean;
};

/** True for User and its subclasses (the classes, not instances). */
export function isUserClass(value: unknown): value is UserClass {
  return typeof value === 'function' && (value === User || value.prototype instanceof User);
}

/** True for subclasses of HttpUser. */
export function isHttpUserClass(value: unknown): value is UserClass<HttpUser> {
  return typeof value === 'function' && (value === HttpUser || value.prototype instanceof HttpUser);
}

/** True when the class declares its own `static abstract = true` (base classes that must not run). */
export function isAbstractUserClass(cls: abstract new (...args: any[]) => unknown): boolean {
  return Object.hasOwn(cls, 'abstract') && (cls as { abstract?: unknown }).abstract === true;
}

/** The host a user of this class targets: `--host` first, else the class's `static host`. */
export function resolveHost(cls: UserClass, cliHost: string | undefined): string | undefined {
  return cliHost || cls.host || undefined;
}
