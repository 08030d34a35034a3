/**
 * The local runner: spreads users over user threads, ramps them at the spawn rate, folds the threads'
 * statistics into the one Aggregate every second, and stops gracefully. It never touches `process`:
 * the CLI (or the web UI) drives it. Besides the default closed pool (start / setTarget), a run may hold named
 * closed pools and arrival-rate scenarios (see scenario-run.ts); each scenario's statistics can be kept apart.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { Aggregate } from '../stats/aggregate.ts';
import type { StatsDelta } from '../stats/types.ts';
import type { ArrivalScenarioPlan } from '../workload/scenarios.ts';
import { splitShare, wholeShare } from './arrival-share.ts';
import { ClosedPool, type PoolHost } from './closed-pool.ts';
import { RunnerError } from './errors.ts';
import { DEFAULT_SCENARIO, zeroCounters, type FromThread, type IterationCounters, type ScenarioSnapshot, type ThreadCounters } from './messages.ts';
import { SnapshotCollector, THREAD_STOP_MARGIN_MS } from './snapshot-collector.ts';
import type { UserThread } from './user-thread.ts';

export type RunnerState = 'ready' | 'spawning' | 'running' | 'stopping' | 'stopped';

export interface LocalRunnerOptions {
  threads: UserThread[];
  aggregate: Aggregate;
  clock: Clock;
  logger: Logger;
  /** The class of the user with this index (0-based, in spawn order) of the default pool. */
  classForUser: (index: number) => string;
  /** How long a thread may take to answer a snapshot request before the tick goes on without it. */
  snapshotTimeoutMs?: number;
}

/** Emits 'tick' ({ t, users }) after each second is folded in, 'state' (RunnerState), 'log' (FromThread log). */
export class LocalRunner extends EventEmitter {
  state: RunnerState = 'ready';
  /** Run start on the runner's clock (ms), set by start() or begin(). */
  startedAtMs = 0;
  /** Wall-clock start (epoch ms). */
  startedAtWallMs = 0;
  /** Iterations started, late, missed and dropped, summed over threads and scenarios; the worst thread's loop lag p99. */
  readonly counters: Required<ThreadCounters> = { ...zeroCounters(), loopLagP99Ms: 0 };
  /** The same counters per scenario. */
  readonly scenarioCounters = new Map<string, IterationCounters>();
  /** User threads that did not answer the stop and were ended: the statistics miss their last moments. */
  lostThreads = 0;
  /** Per-scenario statistics, for the scenarios named in trackScenarios(). */
  readonly scenarioAggregates = new Map<string, Aggregate>();

  readonly #o: LocalRunnerOptions;
  readonly #perThread = new Map<number, number>();
  readonly #pools = new Map<string, ClosedPool>();
  /** Arrival scenarios: users per thread (from snapshots) and the threads still running their share. */
  readonly #arrivals = new Map<string, { users: Map<number, number>; pending: Set<number>; done: () => void }>();
  readonly #snapshots: SnapshotCollector;
  #nextUserId = 0;
  #loops: Promise<void>[] = [];
  readonly #ticking = new AbortController();
  #begun = false;

  constructor(options: LocalRunnerOptions) {
    super();
    this.#o = options;
    this.#snapshots = new SnapshotCollector(options.threads, options.clock, options.snapshotTimeoutMs ?? 800);
    for (const t of options.threads) {
      this.#perThread.set(t.threadId, 0);
      t.onMessage((m) => this.#onMessage(t, m));
    }
    this.#pools.set(DEFAULT_SCENARIO, new ClosedPool(DEFAULT_SCENARIO, this.#poolHost(), options.classForUser));
  }

  /** Target users of the default pool. */
  get targetUsers(): number {
    return this.#defaultPool().targetUsers;
  }

  /** Spawn rate of the default pool (users per second). */
  get spawnRate(): number {
    return this.#defaultPool().spawnRate;
  }

  /** Users currently running (spawned and not yet exited), over every pool and arrival-rate scenario. */
  get users(): number {
    let n = 0;
    for (const p of this.#pools.values()) n += p.users;
    for (const a of this.#arrivals.values()) for (const u of a.users.values()) n += u;
    return n;
  }

  /** Seconds since start() on the runner's clock. */
  elapsedS(): number {
    return !this.#begun ? 0 : (this.#o.clock.now() - this.startedAtMs) / 1000;
  }

  /** Waits until every thread has loaded the script; rejects with the first load error. */
  async waitReady(): Promise<void> {
    await Promise.all(
      this.#o.threads.map(
        (t) =>
          new Promise<void>((resolve, reject) => {
            t.onMessage((m) => {
              if (m.type === 'ready') resolve();
              else if (m.type === 'init-error') reject(new RunnerError('STAMPEDE_ERR_SCRIPT', m.message));
            });
          }),
      ),
    );
  }

  /** Starts the run: ramps the default pool to `users` at `spawnRate` users per second. */
  start(users: number, spawnRate: number): void {
    this.#startClock();
    this.setTarget(users, spawnRate);
  }

  /** Starts the run clock and the per-second ticks with no user yet (scenarios add them). */
  begin(): void {
    this.#startClock();
    this.#refreshState();
  }

  #startClock(): void {
    if (this.state !== 'ready' || this.#begun) throw new RunnerError('STAMPEDE_ERR_STATE', `cannot start a run that is ${this.state}`);
    this.#begun = true;
    this.startedAtMs = this.#o.clock.now();
    this.startedAtWallMs = this.#o.clock.wallNow();
    this.#loops.push(this.#tickLoop());
    for (const pool of this.#pools.values()) this.#loops.push(pool.loop());
  }

  /** Changes the target user count and spawn rate of the default pool (the ramp restarts from the current count). */
  setTarget(users: number, spawnRate: number): void {
    if (!this.#ending()) this.#defaultPool().setTarget(users, spawnRate);
  }

  /**
   * The closed pool of a scenario (created on first use, with its class order).
   * @param corrected record corrected latency for its users too (runs that mix open and closed models)
   */
  pool(scenario: string, classForUser: (index: number) => string, corrected = false): ClosedPool {
    let pool = this.#pools.get(scenario);
    if (!pool) {
      pool = new ClosedPool(scenario, this.#poolHost(), classForUser, corrected);
      this.#pools.set(scenario, pool);
      if (this.#begun) this.#loops.push(pool.loop());
    }
    return pool;
  }

  /** Keep per-scenario statistics for these scenarios (scenarioAggregates), besides the run's Aggregate. */
  trackScenarios(names: readonly string[], aggregateFor: () => Aggregate = () => new Aggregate()): void {
    for (const name of names) if (!this.scenarioAggregates.has(name)) this.scenarioAggregates.set(name, aggregateFor());
  }

  /**
   * Starts an arrival-rate scenario now, split over the threads (iteration k on thread k mod n; users and queue
   * split evenly). Resolves when every thread's share has finished (or the run stopped).
   * @param classOrder class name of the scenario's i-th user (length ≥ 1)
   */
  startArrival(plan: ArrivalScenarioPlan, classOrder: string[], gracefulStopMs: number): Promise<void> {
    if (this.#ending()) return Promise.resolve();
    const userIdBase = this.#nextUserId;
    this.#nextUserId += plan.maxUsers;
    // Thread p holds the scenario's iterations and users p, p + n, p + 2n, … (arrival-share.ts).
    const shares = splitShare(wholeShare(plan, classOrder, userIdBase), this.#o.threads.length);
    const threads = this.#o.threads.slice(0, shares.length);
    return new Promise<void>((resolve) => {
      this.#arrivals.set(plan.name, { users: new Map(), pending: new Set(threads.map((t) => t.threadId)), done: resolve });
      threads.forEach((t, p) => t.post({ type: 'start-arrival', plan, share: shares[p]!, gracefulStopMs }));
    });
  }

  /**
   * Stops every user: they finish their current task; after stopTimeoutMs what is still in flight is aborted and
   * recorded as interrupted. Resolves when every thread's final statistics are folded in.
   */
  async stop(stopTimeoutMs: number): Promise<void> {
    if (this.#ending()) return;
    const wasStarted = this.#begun;
    this.#setState('stopping');
    for (const pool of this.#pools.values()) pool.close();
    this.#ticking.abort();
    const silent = await this.#snapshots.stopAll(stopTimeoutMs);
    for (const t of silent) {
      this.lostThreads++;
      this.#o.logger.log(
        'warning',
        `user thread ${t.threadId} did not answer the stop within --stop-timeout + ${THREAD_STOP_MARGIN_MS / 1000} s (a task that never yields?): ended; its figures since its last snapshot are lost`,
      );
    }
    // Ended at once, not at close(): close() would first ask them to close and wait (they answer nothing).
    await Promise.all(silent.map((t) => t.kill?.()));
    await Promise.all(this.#loops);
    if (wasStarted) this.#tick(this.elapsedS(), 0);
    for (const a of this.#arrivals.values()) a.done();
    this.#setState('stopped');
  }

  /** Closes the threads. */
  async close(): Promise<void> {
    await Promise.all(this.#o.threads.map((t) => t.terminate()));
  }

  #defaultPool(): ClosedPool {
    return this.#pools.get(DEFAULT_SCENARIO)!;
  }

  #poolHost(): PoolHost {
    const count = (t: UserThread) => this.#perThread.get(t.threadId)!;
    return {
      clock: this.#o.clock,
      assignThread: () => {
        let thread = this.#o.threads[0]!;
        for (const t of this.#o.threads) if (count(t) < count(thread)) thread = t;
        this.#perThread.set(thread.threadId, count(thread) + 1);
        return thread;
      },
      releaseThread: (t) => this.#perThread.set(t.threadId, count(t) - 1),
      nextUserId: () => this.#nextUserId++,
      poolChanged: () => this.#refreshState(),
    };
  }

  /** A method, not an inline test, because TypeScript's narrowing does not see state change across an await. */
  #ending(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  #refreshState(): void {
    if (!this.#begun || this.#ending()) return;
    this.#setState([...this.#pools.values()].some((p) => p.ramping) ? 'spawning' : 'running');
  }

  #setState(state: RunnerState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  #tick(t: number, users: number): void {
    this.#o.aggregate.tick(t, users);
    for (const [name, agg] of this.scenarioAggregates) agg.tick(t, this.#scenarioUsers(name));
  }

  #scenarioUsers(name: string): number {
    let n = this.#pools.get(name)?.users ?? 0;
    for (const u of this.#arrivals.get(name)?.users.values() ?? []) n += u;
    return n;
  }

  async #tickLoop(): Promise<void> {
    const { clock } = this.#o;
    for (let second = 1; ; second++) {
      const dueMs = this.startedAtMs + second * 1000;
      await clock.sleep(Math.max(0, dueMs - clock.now()), this.#ticking.signal);
      if (this.#ending()) return;
      await this.#snapshots.collect();
      if (this.#ending()) return;
      this.#tick(second, this.users);
      this.emit('tick', { t: second, users: this.users });
    }
  }

  #merge(threadId: number, m: { delta: StatsDelta; counters: ThreadCounters; scenarios?: ScenarioSnapshot[] }): void {
    this.#o.aggregate.merge(m.delta);
    for (const key of ['iterations', 'late', 'missed', 'dropped'] as const) this.counters[key] += m.counters[key] ?? 0;
    this.counters.loopLagP99Ms = Math.max(this.counters.loopLagP99Ms, m.counters.loopLagP99Ms);
    for (const s of m.scenarios ?? []) {
      this.scenarioAggregates.get(s.scenario)?.merge(s.delta);
      let c = this.scenarioCounters.get(s.scenario);
      if (!c) this.scenarioCounters.set(s.scenario, (c = zeroCounters()));
      for (const key of ['iterations', 'late', 'missed', 'dropped'] as const) c[key] += s.counters[key];
      this.#arrivals.get(s.scenario)?.users.set(threadId, s.users);
    }
  }

  #onMessage(thread: UserThread, m: FromThread): void {
    switch (m.type) {
      case 'snapshot':
        // A late snapshot is still merged: it lands in the current second, and totals stay exact.
        this.#merge(thread.threadId, m);
        this.#snapshots.answered(m.seq, thread.threadId);
        break;
      case 'stopped':
        this.#merge(thread.threadId, m);
        for (const a of this.#arrivals.values()) a.users.set(thread.threadId, 0);
        this.#snapshots.stopped(thread.threadId);
        break;
      case 'user-exited':
        // A user that stopped itself (this.stop(), or onStart failed) frees its slot; it is not respawned.
        for (const pool of this.#pools.values()) if (pool.userExited(m.userId)) break;
        this.#refreshState();
        break;
      case 'arrival-done': {
        const a = this.#arrivals.get(m.scenario);
        a?.pending.delete(thread.threadId);
        if (a && a.pending.size === 0) a.done();
        break;
      }
      case 'log':
        this.emit('log', m);
        break;
      case 'init-error':
        this.#o.logger.log('error', m.message);
        break;
      case 'ready':
        break;
    }
  }
}
