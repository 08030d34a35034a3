/**
 * The local runner: spreads users over user threads, ramps them at the spawn rate, folds the threads'
 * statistics into the one Aggregate every second, and stops gracefully. It never touches `process`:
 * the CLI (or the web UI) drives it.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Aggregate } from '../stats/aggregate.ts';
import type { StatsDelta } from '../stats/types.ts';
import type { FromThread, ThreadCounters } from './messages.ts';
import { usersAt } from './spawn-plan.ts';
import type { UserThread } from './user-thread.ts';
import { RunnerError } from './errors.ts';

export type RunnerState = 'ready' | 'spawning' | 'running' | 'stopping' | 'stopped';

export interface LocalRunnerOptions {
  threads: UserThread[];
  aggregate: Aggregate;
  clock: Clock;
  logger: Logger;
  /** The class of the user with this index (0-based, in spawn order). */
  classForUser: (index: number) => string;
  /** How long a thread may take to answer a snapshot request before the tick goes on without it. */
  snapshotTimeoutMs?: number;
}

interface LiveUser {
  id: number;
  thread: UserThread;
}

/** Emits 'tick' ({ t, users }) after each second is folded in, 'state' (RunnerState), 'log' (FromThread log). */
export class LocalRunner extends EventEmitter {
  state: RunnerState = 'ready';
  /** Run start on the runner's clock (ms), set by start(). */
  startedAtMs = 0;
  /** Wall-clock start (epoch ms). */
  startedAtWallMs = 0;
  targetUsers = 0;
  spawnRate = 1;

  readonly #o: LocalRunnerOptions;
  readonly #live: LiveUser[] = [];
  readonly #perThread = new Map<number, number>();
  #nextUserId = 0;
  #rampFrom = 0;
  #rampStartMs = 0;
  #rampWake = new AbortController();
  #tickSeq = 0;
  #pendingSnapshots = new Map<number, Set<number>>();
  #snapshotWaiters = new Map<number, () => void>();
  #stoppedWaiters = new Map<number, () => void>();
  #loops: Promise<void>[] = [];
  /** Iterations started, late and missed, summed over threads; the worst thread's event-loop lag p99. */
  readonly counters: ThreadCounters = { iterations: 0, late: 0, missed: 0, loopLagP99Ms: 0 };

  constructor(options: LocalRunnerOptions) {
    super();
    this.#o = options;
    for (const t of options.threads) {
      this.#perThread.set(t.threadId, 0);
      t.onMessage((m) => this.#onMessage(t, m));
    }
  }

  /** Users currently running (spawned and not yet exited). */
  get users(): number {
    return this.#live.length;
  }

  /** Seconds since start() on the runner's clock. */
  elapsedS(): number {
    return this.state === 'ready' ? 0 : (this.#o.clock.now() - this.startedAtMs) / 1000;
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

  /** Starts the run: ramps to `users` at `spawnRate` users per second. */
  start(users: number, spawnRate: number): void {
    if (this.state !== 'ready') throw new RunnerError('STAMPEDE_ERR_STATE', `cannot start a run that is ${this.state}`);
    this.startedAtMs = this.#o.clock.now();
    this.startedAtWallMs = this.#o.clock.wallNow();
    this.#loops.push(this.#tickLoop());
    this.setTarget(users, spawnRate);
    this.#loops.push(this.#rampLoop());
  }

  /** Changes the target user count and spawn rate of a running test (the ramp restarts from the current count). */
  setTarget(users: number, spawnRate: number): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.targetUsers = Math.max(0, Math.floor(users));
    this.spawnRate = spawnRate > 0 ? spawnRate : 1;
    this.#rampFrom = this.users;
    this.#rampStartMs = this.#o.clock.now();
    this.#setState(this.users === this.targetUsers ? 'running' : 'spawning');
    this.#rampWake.abort();
  }

  /**
   * Stops every user: they finish their current task; after stopTimeoutMs what is still in flight is aborted and
   * recorded as interrupted. Resolves when every thread's final statistics are folded in.
   */
  async stop(stopTimeoutMs: number): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    const wasStarted = this.state !== 'ready';
    this.#setState('stopping');
    this.#rampWake.abort();
    const stopped = this.#o.threads.map(
      (t) => new Promise<void>((resolve) => this.#stoppedWaiters.set(t.threadId, resolve)),
    );
    for (const t of this.#o.threads) t.post({ type: 'stop', stopTimeoutMs });
    // A thread that does not answer within the stop timeout (plus slack) is given up on.
    await Promise.race([Promise.all(stopped), this.#o.clock.sleep(stopTimeoutMs + 3000)]);
    await Promise.all(this.#loops);
    if (wasStarted) this.#o.aggregate.tick(this.elapsedS(), 0);
    this.#live.length = 0;
    this.#setState('stopped');
  }

  /** Closes the threads. */
  async close(): Promise<void> {
    await Promise.all(this.#o.threads.map((t) => t.terminate()));
  }

  /** A method, not an inline test, because TypeScript's narrowing does not see state change across an await. */
  #ending(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  #setState(state: RunnerState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  async #rampLoop(): Promise<void> {
    const { clock } = this.#o;
    while (this.state === 'spawning' || this.state === 'running') {
      if (this.state === 'running') {
        this.#rampWake = new AbortController();
        await clock.sleep(3_600_000, this.#rampWake.signal);
        continue;
      }
      const elapsedS = (clock.now() - this.#rampStartMs) / 1000;
      const want = usersAt(this.#rampFrom, this.targetUsers, this.spawnRate, elapsedS);
      while (this.users < want) this.#spawnOne();
      if (this.users > want) this.#stopUsers(this.users - want);
      if (this.users === this.targetUsers) {
        this.#setState('running');
        continue;
      }
      // Wake for the next user of the ramp, so users start evenly spaced rather than in per-second bursts.
      const moved = Math.abs(this.users - this.#rampFrom);
      const nextAtMs = this.#rampStartMs + ((moved + 1) / this.spawnRate) * 1000;
      this.#rampWake = new AbortController();
      await clock.sleep(Math.max(0, nextAtMs - clock.now()), this.#rampWake.signal);
    }
  }

  #spawnOne(): void {
    let thread = this.#o.threads[0]!;
    for (const t of this.#o.threads) if (this.#perThread.get(t.threadId)! < this.#perThread.get(thread.threadId)!) thread = t;
    const id = this.#nextUserId++;
    this.#live.push({ id, thread });
    this.#perThread.set(thread.threadId, this.#perThread.get(thread.threadId)! + 1);
    thread.post({ type: 'spawn', userId: id, className: this.#o.classForUser(this.#live.length - 1) });
  }

  /** Stops the most recently started users first, which keeps the class mix of the spawn order. */
  #stopUsers(count: number): void {
    const byThread = new Map<UserThread, number[]>();
    for (const u of this.#live.splice(this.#live.length - count, count)) {
      this.#perThread.set(u.thread.threadId, this.#perThread.get(u.thread.threadId)! - 1);
      byThread.set(u.thread, [...(byThread.get(u.thread) ?? []), u.id]);
    }
    for (const [thread, userIds] of byThread) thread.post({ type: 'stop-users', userIds });
  }

  async #tickLoop(): Promise<void> {
    const { clock, aggregate } = this.#o;
    for (let second = 1; ; second++) {
      const dueMs = this.startedAtMs + second * 1000;
      await clock.sleep(Math.max(0, dueMs - clock.now()));
      if (this.state === 'stopping' || this.state === 'stopped') return;
      await this.#collectSnapshots();
      if (this.#ending()) return;
      aggregate.tick(second, this.users);
      this.emit('tick', { t: second, users: this.users });
    }
  }

  async #collectSnapshots(): Promise<void> {
    const seq = ++this.#tickSeq;
    const waiting = new Set(this.#o.threads.map((t) => t.threadId));
    this.#pendingSnapshots.set(seq, waiting);
    const all = new Promise<void>((resolve) => this.#snapshotWaiters.set(seq, resolve));
    for (const t of this.#o.threads) t.post({ type: 'snapshot', seq });
    await Promise.race([all, this.#o.clock.sleep(this.#o.snapshotTimeoutMs ?? 800)]);
    this.#pendingSnapshots.delete(seq);
    this.#snapshotWaiters.delete(seq);
  }

  #merge(delta: StatsDelta, counters: ThreadCounters): void {
    this.#o.aggregate.merge(delta);
    this.counters.iterations += counters.iterations;
    this.counters.late += counters.late;
    this.counters.missed += counters.missed;
    this.counters.loopLagP99Ms = Math.max(this.counters.loopLagP99Ms, counters.loopLagP99Ms);
  }

  #onMessage(thread: UserThread, m: FromThread): void {
    switch (m.type) {
      case 'snapshot': {
        // A late snapshot is still merged: it lands in the current second, and totals stay exact.
        this.#merge(m.delta, m.counters);
        const waiting = this.#pendingSnapshots.get(m.seq);
        waiting?.delete(thread.threadId);
        if (waiting && waiting.size === 0) this.#snapshotWaiters.get(m.seq)?.();
        break;
      }
      case 'stopped':
        this.#merge(m.delta, m.counters);
        this.#stoppedWaiters.get(thread.threadId)?.();
        break;
      case 'user-exited': {
        // A user that stopped itself (this.stop(), or onStart failed) frees its slot; it is not respawned.
        const i = this.#live.findIndex((u) => u.id === m.userId);
        if (i >= 0) {
          this.#live.splice(i, 1);
          this.#perThread.set(thread.threadId, this.#perThread.get(thread.threadId)! - 1);
        }
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
