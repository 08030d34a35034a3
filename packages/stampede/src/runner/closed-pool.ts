/**
 * One closed-model user pool of a run: a target user count reached at a spawn rate, users started evenly spaced
 * (never in per-second bursts) and stopped most-recent-first. The default pool serves LocalRunner.start/setTarget;
 * each closed scenario of a multi-scenario run has its own pool (its users' statistics are kept apart).
 */
import type { Clock } from '../clock.ts';
import { rampStepAtS, usersAt } from './spawn-plan.ts';
import type { UserThread } from './user-thread.ts';

/** What a pool needs from its runner. */
export interface PoolHost {
  readonly clock: Clock;
  /** The thread for one more user (least loaded), counted as taken. */
  assignThread(): UserThread;
  /** A user of this thread is gone. */
  releaseThread(thread: UserThread): void;
  /** A run-wide unique user id (it seeds the user's random source). */
  nextUserId(): number;
  /** The pool started or finished ramping. */
  poolChanged(): void;
}

interface LiveUser {
  id: number;
  thread: UserThread;
  /** Its place in the class order (classForUser's index). */
  slot: number;
}

export class ClosedPool {
  readonly scenario: string;
  /** Users this pool is ramping to. */
  targetUsers = 0;
  /** Users started (or stopped) per second while ramping; Infinity: at once. */
  spawnRate = 1;
  readonly #host: PoolHost;
  readonly #corrected: boolean;
  #classForUser: (index: number) => string;
  #quota: ((slot: number) => number) | undefined;
  #spawned = false;
  #drained: Array<() => void> = [];
  readonly #live: LiveUser[] = [];
  /**
   * The next user's place in the class order. A user that stopped itself keeps its place, so the next one takes the
   * next class: with the live count as the index, a class whose users stop at once (an onStart that throws) took
   * every later place and the other classes never ran.
   */
  #nextSlot = 0;
  #rampFrom = 0;
  #rampStartMs = 0;
  /** Users of an upward ramp that stopped themselves: started, so the ramp does not start them again. */
  #exitedInRamp = 0;
  #wake = new AbortController();
  #closed = false;
  #ramping = false;

  /**
   * @param classForUser the class of the pool's i-th user (0-based, in spawn order; places freed by a ramp-down are reused)
   * @param corrected record corrected latency (= service time) too: set in runs that mix open and closed models
   */
  constructor(scenario: string, host: PoolHost, classForUser: (index: number) => string, corrected = false) {
    this.scenario = scenario;
    this.#host = host;
    this.#classForUser = classForUser;
    this.#corrected = corrected;
  }

  /** Users running (spawned and not exited). */
  get users(): number {
    return this.#live.length;
  }

  /** True while the user count is moving towards the target (a user that stopped itself does not restart a ramp). */
  get ramping(): boolean {
    return this.#ramping;
  }

  /** New target: the ramp restarts from the current count. A rate ≤ 0 (or NaN) means 1 user per second. */
  setTarget(users: number, spawnRate: number): void {
    if (this.#closed) return;
    this.targetUsers = Math.max(0, Math.floor(users));
    this.spawnRate = spawnRate > 0 ? spawnRate : 1;
    this.#rampFrom = this.users;
    this.#rampStartMs = this.#host.clock.now();
    this.#exitedInRamp = 0;
    this.#ramping = this.users !== this.targetUsers;
    this.#wake.abort();
    this.#host.poolChanged();
  }

  /** Users spawned from now on follow this class order (a load shape's `userClasses`). */
  setClassForUser(classForUser: (index: number) => string): void {
    this.#classForUser = classForUser;
  }

  /** Each user spawned from now on runs this many tasks (by its place), then stops (iteration executors). */
  setQuota(quota: (slot: number) => number): void {
    this.#quota = quota;
  }

  /** Resolves once users have been spawned and every one has stopped itself (an iteration scenario is over). */
  drained(): Promise<void> {
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Ends the ramp loop (the run is stopping; the threads stop the users themselves). */
  close(): void {
    this.#closed = true;
    this.#ramping = false;
    this.#wake.abort();
  }

  /** A user stopped itself: free its slot (it is not respawned). @returns whether it was this pool's */
  userExited(userId: number): boolean {
    const i = this.#live.findIndex((u) => u.id === userId);
    if (i < 0) return false;
    this.#host.releaseThread(this.#live[i]!.thread);
    this.#live.splice(i, 1);
    if (this.#ramping && this.targetUsers > this.#rampFrom) this.#exitedInRamp++;
    if (this.#live.length === 0 && this.#spawned) for (const resolve of this.#drained.splice(0)) resolve();
    return true;
  }

  /** Follows the target until close(). */
  async loop(): Promise<void> {
    const { clock } = this.#host;
    while (!this.#closed) {
      if (!this.ramping) {
        this.#wake = new AbortController();
        await clock.sleep(3_600_000, this.#wake.signal);
        continue;
      }
      const elapsedS = (clock.now() - this.#rampStartMs) / 1000;
      const want = usersAt(this.#rampFrom, this.targetUsers, this.spawnRate, elapsedS);
      // Going up, the users started so far count, also those that have stopped themselves since.
      const reached = () => this.users + this.#exitedInRamp;
      while (reached() < want) this.#spawnOne();
      if (this.users > want) this.#stopUsers(this.users - want);
      if (reached() === this.targetUsers || this.users === this.targetUsers) {
        this.#ramping = false;
        this.#host.poolChanged();
        continue;
      }
      // Wake for the next user of the ramp, so users start evenly spaced rather than in per-second bursts.
      const moved = Math.abs(reached() - this.#rampFrom);
      const nextAtMs = this.#rampStartMs + rampStepAtS(moved, this.spawnRate) * 1000;
      this.#wake = new AbortController();
      await clock.sleep(Math.max(0, nextAtMs - clock.now()), this.#wake.signal);
    }
  }

  #spawnOne(): void {
    const thread = this.#host.assignThread();
    const id = this.#host.nextUserId();
    const slot = this.#nextSlot++;
    this.#live.push({ id, thread, slot });
    const className = this.#classForUser(slot);
    this.#spawned = true;
    thread.post({ type: 'spawn', userId: id, className, scenario: this.scenario, corrected: this.#corrected || undefined, iterations: this.#quota?.(slot) });
  }

  /** Stops the most recently started users first, which keeps the class mix of the spawn order. */
  #stopUsers(count: number): void {
    const byThread = new Map<UserThread, number[]>();
    for (const u of this.#live.splice(this.#live.length - count, count)) {
      // A later ramp-up fills these places again: the class mix stays that of the order.
      this.#nextSlot = Math.min(this.#nextSlot, u.slot);
      this.#host.releaseThread(u.thread);
      byThread.set(u.thread, [...(byThread.get(u.thread) ?? []), u.id]);
    }
    for (const [thread, userIds] of byThread) thread.post({ type: 'stop-users', userIds });
  }
}
