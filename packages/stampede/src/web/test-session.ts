/**
 * The test the web UI controls: start one from the form, change its users and rate, stop it, reset its
 * statistics, start another. One test at a time; the last one stays readable (tables, downloads) until the next.
 * How a run is made is injected (the CLI's createRun), so this file depends on the runner's interface only.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.ts';
import type { LocalRunner } from '../runner/local-runner.ts';
import type { Aggregate } from '../stats/aggregate.ts';
import type { ClassInfo, EditRequest, FormDefaults, StartRequest, StatusResponse, TestState } from './api-types.ts';
import { WebError } from './errors.ts';
import { CurrentRates } from './live-stats.ts';

/** A validated start request. */
export interface TestConfig {
  users: number;
  spawnRate: number;
  /** Base URL, or undefined to use each class's static host. */
  host: string | undefined;
  runTimeS: number | undefined;
  userClasses: string[];
}

/** What the session needs of a run. */
export interface WebRun {
  runner: LocalRunner;
  aggregate: Aggregate;
}

/** How runs are made and ended (the CLI wires createRun and the runner's close). */
export interface TestSessionOptions<R extends WebRun> {
  classes: ClassInfo[];
  defaults: FormDefaults;
  /** Creates a run whose threads have loaded the script; throws a WebError (or any Error) to refuse. */
  createRun(config: TestConfig): Promise<R>;
  /** Releases a stopped run's threads. */
  closeRun(run: R): Promise<void>;
  /** Parses a run time like `5m` into seconds; throws on a bad value. */
  parseRunTimeS(text: string): number;
  stopTimeoutMs: number;
  clock: Clock;
}

/** One test: its run, its configuration and, once stopped, when it ended. */
export interface SessionTest<R extends WebRun> {
  run: R;
  config: TestConfig;
  number: number;
  /** Set when the test has stopped: wall-clock end and duration in seconds. */
  ended?: { endedAt: number; durationS: number };
  /**
   * Its stop in progress. Per test: the previous test's threads may still be closing (`ended` is set before
   * closeRun finishes) when the next test starts, and a stop shared across tests was lost.
   */
  stopping?: Promise<void>;
}

const MAX_USERS = 1_000_000;
const MAX_SPAWN_RATE = 100_000;

function number(value: unknown, field: string, min: number, max: number, integer: boolean): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new WebError('STAMPEDE_ERR_WEB_INPUT', `${field} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
  }
  return n;
}

/** Emits 'tick' after each second is folded in and 'state' on every change of state. */
export class TestSession<R extends WebRun> extends EventEmitter {
  readonly rates = new CurrentRates();
  readonly #o: TestSessionOptions<R>;
  #test: SessionTest<R> | undefined;
  #starting = false;
  /** Stop was asked while the test was starting (bundling the script, starting threads): it never runs. */
  #stopWhenCreated = false;
  #runTimer = new AbortController();
  #tests = 0;
  lastError: string | null = null;

  constructor(options: TestSessionOptions<R>) {
    super();
    this.#o = options;
  }

  /** The current (or last) test, if one was started. */
  get test(): SessionTest<R> | undefined {
    return this.#test;
  }

  /** The state of the current test ('ready' before the first). */
  get state(): TestState {
    if (this.#starting) return 'starting';
    if (!this.#test) return 'ready';
    if (this.#test.ended) return 'stopped';
    const s = this.#test.run.runner.state;
    return s === 'ready' ? 'starting' : s;
  }

  /** True while a test is starting, spawning, running or stopping. */
  get active(): boolean {
    return !['ready', 'stopped'].includes(this.state);
  }

  /** Validates a start request against the script's classes. */
  parseStart(body: Partial<StartRequest>): TestConfig {
    const users = number(body.users, 'users', 1, MAX_USERS, true);
    const spawnRate = number(body.spawnRate, 'spawn rate', 0.001, MAX_SPAWN_RATE, false);
    const host = typeof body.host === 'string' ? body.host.trim() : '';
    if (host !== '') {
      let url: URL | undefined;
      try {
        url = new URL(host);
      } catch {}
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        throw new WebError('STAMPEDE_ERR_WEB_INPUT', 'host must be an http:// or https:// URL');
      }
    }
    const runTime = typeof body.runTime === 'string' ? body.runTime.trim() : '';
    let runTimeS: number | undefined;
    if (runTime !== '') {
      try {
        runTimeS = this.#o.parseRunTimeS(runTime);
      } catch {
        throw new WebError('STAMPEDE_ERR_WEB_INPUT', `run time '${runTime.slice(0, 40)}' is not a duration (use 30s, 5m, 1h30m)`);
      }
      if (runTimeS <= 0) throw new WebError('STAMPEDE_ERR_WEB_INPUT', 'run time must be above 0 (leave it empty to run until stopped)');
    }
    const known = new Set(this.#o.classes.map((c) => c.name));
    const picked = Array.isArray(body.userClasses) ? body.userClasses.filter((c): c is string => typeof c === 'string') : [];
    const userClasses = picked.length === 0 ? [...known] : picked;
    const unknown = userClasses.find((c) => !known.has(c));
    if (unknown !== undefined) throw new WebError('STAMPEDE_ERR_WEB_INPUT', `unknown user class '${unknown.slice(0, 80)}'`);
    return { users, spawnRate, host: host || undefined, runTimeS, userClasses };
  }

  /** Starts a new test (the previous one, stopped, is replaced). */
  async start(config: TestConfig): Promise<void> {
    if (this.active) throw new WebError('STAMPEDE_ERR_WEB_STATE', `a test is ${this.state}: stop it first`, 409);
    this.#starting = true;
    this.#stopWhenCreated = false;
    this.lastError = null;
    this.emit('state', this.state);
    let run: R;
    try {
      run = await this.#o.createRun(config);
    } catch (error) {
      this.lastError = (error as Error).message.split('\n')[0]!;
      throw error instanceof WebError ? error : new WebError('STAMPEDE_ERR_WEB_START', this.lastError, 422);
    } finally {
      this.#starting = false;
    }
    this.rates.clear();
    this.#test = { run, config, number: ++this.#tests };
    if (this.#stopWhenCreated) {
      // Stopped while starting: end it before any user runs (the Stop button must never be lost).
      this.#stopWhenCreated = false;
      this.#test.ended = { endedAt: this.#o.clock.wallNow(), durationS: 0 };
      await this.#o.closeRun(run);
      this.emit('state', this.state);
      return;
    }
    run.runner.on('state', () => this.emit('state', this.state));
    run.runner.on('tick', () => {
      const a = run.aggregate;
      this.rates.tick([...a.endpoints(), a.totals()]);
      this.emit('tick');
    });
    run.runner.start(config.users, config.spawnRate);
    this.#runTimer = new AbortController();
    if (config.runTimeS !== undefined) {
      const timer = this.#runTimer;
      void this.#o.clock.sleep(config.runTimeS * 1000, timer.signal).then(() => {
        if (!timer.signal.aborted) void this.stop();
      });
    }
    this.emit('state', this.state);
  }

  /** Changes the running test's target users and spawn rate. */
  edit(body: Partial<EditRequest>): void {
    const state = this.state;
    if (!this.#test || (state !== 'spawning' && state !== 'running')) {
      throw new WebError('STAMPEDE_ERR_WEB_STATE', `no running test to edit (the test is ${state})`, 409);
    }
    const users = number(body.users, 'users', 0, MAX_USERS, true);
    const spawnRate = number(body.spawnRate, 'spawn rate', 0.001, MAX_SPAWN_RATE, false);
    this.#test.config = { ...this.#test.config, users: Math.max(users, this.#test.config.users), spawnRate };
    this.#test.run.runner.setTarget(users, spawnRate);
  }

  /** Stops the current test (tasks in flight get the stop timeout), then frees its threads. Idempotent. */
  stop(): Promise<void> {
    if (this.#starting) {
      this.#stopWhenCreated = true;
      return Promise.resolve();
    }
    const test = this.#test;
    if (!test) return Promise.resolve();
    if (test.ended) return test.stopping ?? Promise.resolve();
    this.#runTimer.abort();
    test.stopping ??= (async () => {
      await test.run.runner.stop(this.#o.stopTimeoutMs);
      test.ended = { endedAt: this.#o.clock.wallNow(), durationS: test.run.runner.elapsedS() };
      await this.#o.closeRun(test.run);
    })().finally(() => this.emit('state', this.state));
    this.emit('state', this.state);
    return test.stopping;
  }

  /** Forgets the statistics of the current test (the chart history is kept). */
  reset(): void {
    if (!this.#test) throw new WebError('STAMPEDE_ERR_WEB_STATE', 'no test to reset', 409);
    this.#test.run.aggregate.reset();
    this.rates.clear();
  }

  /** Seconds covered by the current test (its duration once stopped). */
  elapsedS(): number {
    const t = this.#test;
    if (!t) return 0;
    return t.ended ? t.ended.durationS : t.run.runner.elapsedS();
  }

  /** The status answer (downloads filled in by the server). */
  status(downloads: StatusResponse['downloads']): StatusResponse {
    const t = this.#test;
    const runner = t?.run.runner;
    return {
      state: this.state,
      users: t && !t.ended ? (runner?.users ?? 0) : 0,
      targetUsers: runner?.targetUsers ?? 0,
      spawnRate: runner?.spawnRate ?? 0,
      elapsedS: Math.round(this.elapsedS() * 10) / 10,
      runTimeS: t?.config.runTimeS ?? null,
      host: t?.config.host ?? this.#o.defaults.host,
      userClasses: t?.config.userClasses ?? [],
      testNumber: t?.number ?? 0,
      defaults: this.#o.defaults,
      downloads,
      lastError: this.lastError,
    };
  }
}
