/**
 * The worker side of user placement: the users the master assigns to this worker are spread over the worker's
 * own user threads (the same WorkerUserThread/UserHost a local run uses), and their snapshots are gathered into
 * one answer, each thread's as it sent it. A thread snapshot that misses the deadline is not lost: it joins the
 * answer being gathered, or the next one.
 */
import { splitShare } from '../runner/arrival-share.ts';
import type { ArrivalShare, FromThread, ToThread } from '../runner/messages.ts';
import type { ArrivalScenarioPlan } from '../workload/scenarios.ts';
import type { UserThread } from '../runner/user-thread.ts';
import type { ThreadStats, UserAssignment } from './protocol.ts';

/** Listeners for what the threads report on their own. */
export interface ThreadGroupEvents {
  onUserExited(userId: number): void;
  onLog(message: Extract<FromThread, { type: 'log' }>): void;
  /** Every thread's part of this worker's share of an arrival-rate scenario has finished. */
  onArrivalDone(scenario: string): void;
}

type Waiter = (t: UserThread, stats: ThreadStats) => void;

/** A worker's user threads, driven as one. */
export class LocalThreadGroup {
  readonly #threads: UserThread[];
  readonly #load = new Map<UserThread, number>();
  readonly #userThread = new Map<number, UserThread>();
  /** Arrival-rate scenarios: the threads still running their part. */
  readonly #arrivals = new Map<string, Set<UserThread>>();
  /** Answers that arrived after their deadline with no gathering open: shipped with the next answer. */
  #carry: ThreadStats[] = [];
  /** The answer being gathered now: late answers join it rather than wait a second. */
  #open: ThreadStats[] | undefined;
  #seq = 0;
  readonly #snapshotWaiters = new Map<number, Waiter>();
  #stoppedWaiter: Waiter | undefined;

  constructor(threads: UserThread[], events: ThreadGroupEvents) {
    this.#threads = threads;
    for (const t of threads) {
      this.#load.set(t, 0);
      t.onMessage((m) => this.#onMessage(t, m, events));
    }
  }

  /** Users running on this worker. */
  get users(): number {
    return this.#userThread.size;
  }

  /** Resolves when every thread has loaded the script; rejects with the first load error. */
  async waitReady(): Promise<void> {
    await Promise.all(
      this.#threads.map(
        (t) =>
          new Promise<void>((resolve, reject) =>
            t.onMessage((m) => {
              if (m.type === 'ready') resolve();
              else if (m.type === 'init-error') reject(new Error(m.message));
            }),
          ),
      ),
    );
  }

  /** Starts a user on the least loaded thread. */
  spawn(u: UserAssignment): void {
    let thread = this.#threads[0]!;
    for (const t of this.#threads) if (this.#load.get(t)! < this.#load.get(thread)!) thread = t;
    this.#userThread.set(u.userId, thread);
    this.#load.set(thread, this.#load.get(thread)! + 1);
    thread.post({ type: 'spawn', userId: u.userId, className: u.className, scenario: u.scenario, corrected: u.corrected, iterations: u.iterations });
  }

  /**
   * Starts this worker's share of an arrival-rate scenario, split again over the threads exactly as a local run
   * splits a scenario (arrival-share.ts), so the cluster starts the iterations a local run would.
   */
  startArrival(plan: ArrivalScenarioPlan, share: ArrivalShare, gracefulStopMs: number): void {
    const shares = splitShare(share, this.#threads.length);
    const threads = this.#threads.slice(0, shares.length);
    this.#arrivals.set(plan.name, new Set(threads));
    threads.forEach((t, p) => t.post({ type: 'start-arrival', plan, share: shares[p]!, gracefulStopMs }));
  }

  /** Stops these users gracefully (they finish their current task). */
  stopUsers(userIds: readonly number[]): void {
    const byThread = new Map<UserThread, number[]>();
    for (const id of userIds) {
      const t = this.#forget(id);
      if (t) byThread.set(t, [...(byThread.get(t) ?? []), id]);
    }
    for (const [t, ids] of byThread) t.post({ type: 'stop-users', userIds: ids });
  }

  /** Every thread's statistics since its last snapshot, waiting at most `timeoutMs` for slow threads. */
  snapshot(timeoutMs: number): Promise<ThreadStats[]> {
    const seq = ++this.#seq;
    return this.#gather(timeoutMs, { type: 'snapshot', seq }, (on) => this.#snapshotWaiters.set(seq, on), () => this.#snapshotWaiters.delete(seq));
  }

  /** Stops every user (graceful for `stopTimeoutMs`, then aborted) and returns the threads' final statistics. */
  stop(stopTimeoutMs: number): Promise<ThreadStats[]> {
    this.#userThread.clear();
    return this.#gather(
      stopTimeoutMs + 2000,
      { type: 'stop', stopTimeoutMs },
      (on) => (this.#stoppedWaiter = on),
      () => (this.#stoppedWaiter = undefined),
    );
  }

  /** Closes the threads. */
  async close(): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.terminate()));
  }

  async #gather(timeoutMs: number, request: ToThread, register: (on: Waiter) => void, unregister: () => void): Promise<ThreadStats[]> {
    const got = this.#carry;
    this.#carry = [];
    this.#open = got;
    const waiting = new Set(this.#threads);
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      register((t, stats) => {
        got.push(stats);
        waiting.delete(t);
        if (waiting.size === 0) resolve();
      });
      timer = setTimeout(resolve, timeoutMs);
      for (const t of this.#threads) t.post(request);
    });
    clearTimeout(timer);
    unregister();
    if (this.#open === got) this.#open = undefined;
    return got;
  }

  #forget(userId: number): UserThread | undefined {
    const t = this.#userThread.get(userId);
    if (!t) return undefined;
    this.#userThread.delete(userId);
    this.#load.set(t, this.#load.get(t)! - 1);
    return t;
  }

  #onMessage(t: UserThread, m: FromThread, events: ThreadGroupEvents): void {
    switch (m.type) {
      case 'snapshot':
      case 'stopped': {
        const stats: ThreadStats = { delta: m.delta, counters: m.counters, ...(m.scenarios ? { scenarios: m.scenarios } : {}) };
        const on = m.type === 'snapshot' ? this.#snapshotWaiters.get(m.seq) : this.#stoppedWaiter;
        if (on) on(t, stats);
        else (this.#open ?? this.#carry).push(stats);
        break;
      }
      case 'user-exited':
        if (this.#forget(m.userId)) events.onUserExited(m.userId);
        break;
      case 'arrival-done': {
        const pending = this.#arrivals.get(m.scenario);
        if (pending?.delete(t) && pending.size === 0) {
          this.#arrivals.delete(m.scenario);
          events.onArrivalDone(m.scenario);
        }
        break;
      }
      case 'log':
        events.onLog(m);
        break;
      default:
        break;
    }
  }
}
