/**
 * The open-model executor, thread side: starts this thread's share of an arrival-rate schedule (iterations k with
 * k mod count = index), each iteration one task on a free user, no wait. Iterations are never silently lost:
 * with every user busy a new one is allocated (up to maxUsers); past that the iteration waits in a bounded queue
 * (`whenBusy: 'queue'`) and starts late on the next free user, or is counted dropped (`'drop'`, or the queue full).
 * Every request records its corrected latency: service time plus how late its iteration started.
 */
import type { Clock } from '../clock.ts';
import type { HttpSession } from '../http/types.ts';
import type { UserInstance } from '../user/user-runner.ts';
import type { ArrivalSchedule } from '../workload/arrival-schedule.ts';
import type { WhenBusy } from '../workload/scenarios.ts';
import type { CorrectingRecorder } from './corrected-recorder.ts';
import type { ArrivalShare, IterationCounters } from './messages.ts';
import { clockTimers, Pacer } from './pacer.ts';
import { LATE_MS } from './schedule.ts';


/** One user of the pool: its instance, its correcting recorder and its session (HttpUser). */
export interface ArrivalUser {
  instance: UserInstance;
  recorder: CorrectingRecorder;
  session?: HttpSession;
}

/** What an ArrivalExecutor needs. */
export interface ArrivalExecutorOptions {
  schedule: ArrivalSchedule;
  share: Pick<ArrivalShare, 'index' | 'count' | 'preAllocatedUsers' | 'maxUsers' | 'maxQueued'>;
  whenBusy: WhenBusy;
  clock: Clock;
  /** Where started, late and dropped iterations are counted. */
  counters: IterationCounters;
  /** Creates this thread's j-th user (onStart not yet called); undefined when it could not be created (recorded). */
  createUser(j: number): ArrivalUser | undefined;
  /** Aborted when the run stops: no more iterations start. */
  signal: AbortSignal;
}

export class ArrivalExecutor {
  readonly #o: ArrivalExecutorOptions;
  readonly #idle: ArrivalUser[] = [];
  readonly #all = new Set<ArrivalUser>();
  readonly #queue: number[] = [];
  #queueHead = 0;
  #allocated = 0;
  #created = 0;
  #starting = 0;
  #inFlight = 0;
  #waiters: (() => void)[] = [];
  #deadlineMs = Infinity;
  #finished: Promise<void> | undefined;

  constructor(options: ArrivalExecutorOptions) {
    this.#o = options;
  }

  /** Users alive (allocated and not retired). */
  get users(): number {
    return this.#all.size;
  }

  /** Iterations waiting for a user. */
  get queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** Starts the pre-allocated users (waits for their onStart), then runs the schedule until it ends or the run stops. */
  async run(): Promise<void> {
    const { share, schedule, clock, signal } = this.#o;
    const starts: Promise<void>[] = [];
    for (let i = 0; i < share.preAllocatedUsers; i++) starts.push(this.#allocate());
    await Promise.all(starts);
    if (signal.aborted) return;
    const startMs = clock.now();
    // This thread's iterations k ≡ index (mod count), on the engine's one pacer: every due slot starts (or queues)
    // at once, each with its own intended time.
    const slotAt = (j: number) => {
      const atMs = schedule.timeOf(share.index + j * share.count);
      return atMs === undefined ? Infinity : startMs + atMs;
    };
    await new Promise<void>((resolve) => {
      const pacer: Pacer = new Pacer({ slotAt, endMs: Infinity }, () => onDue(), clockTimers(clock));
      const finish = () => {
        pacer.stop();
        signal.removeEventListener('abort', finish);
        resolve();
      };
      const onDue = () => {
        if (signal.aborted) return finish();
        const now = clock.now();
        for (let slot = pacer.take(now); !Number.isNaN(slot); slot = pacer.take(now)) this.#due(slot);
        if (pacer.finished) finish();
        else pacer.arm(now);
      };
      signal.addEventListener('abort', finish, { once: true });
      onDue();
    });
  }

  /**
   * Ends the scenario (idempotent; a later call can only shorten the deadline). Queued iterations may still start
   * until the deadline (`graceMs` from now) unless `dropQueue`, then what is still queued is dropped; iterations
   * in flight at the deadline are aborted through `abort` (their requests are recorded as interrupted); finally
   * every user's onStop runs.
   */
  end(graceMs: number, abort: (users: ArrivalUser[]) => void, dropQueue = false): Promise<void> {
    this.#deadlineMs = Math.min(this.#deadlineMs, this.#o.clock.now() + Math.max(0, graceMs));
    if (dropQueue) this.#dropQueue();
    this.#notify();
    return (this.#finished ??= this.#finish(abort));
  }

  async #finish(abort: (users: ArrivalUser[]) => void): Promise<void> {
    const { clock } = this.#o;
    while ((this.queued > 0 && this.#all.size > 0) || this.#inFlight > 0 || this.#starting > 0) {
      const leftMs = this.#deadlineMs - clock.now();
      if (leftMs <= 0) break;
      await this.#changeOr(leftMs);
    }
    this.#dropQueue();
    if (this.#inFlight > 0) {
      abort([...this.#all]);
      await this.#changeOr(500);
    }
    const users = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.all(users.map((u) => u.instance.stop()));
    // A stopped user's open WebSockets close with it (nothing else is in flight now), as for closed-model users.
    for (const u of users) u.session?.abortAll();
  }

  /** Resolves at the next change of the pool (an iteration or a start finished, end() called) or after `ms`. */
  async #changeOr(ms: number): Promise<void> {
    const timeout = new AbortController();
    const changed = new Promise<void>((resolve) => this.#waiters.push(resolve));
    await Promise.race([changed, this.#o.clock.sleep(ms, timeout.signal)]);
    timeout.abort();
  }

  #dropQueue(): void {
    this.#o.counters.dropped += this.queued;
    this.#queue.length = 0;
    this.#queueHead = 0;
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** One iteration is due now. */
  #due(intendedMs: number): void {
    if (this.queued === 0) {
      const user = this.#idle.pop();
      if (user) return this.#start(user, intendedMs);
    }
    const { maxUsers, maxQueued } = this.#o.share;
    // One new user per waiting iteration at most: it takes the oldest queued iteration when its onStart is done.
    if (this.#allocated < maxUsers && this.#starting <= this.queued) void this.#allocate();
    const room = this.#o.whenBusy === 'queue' ? Math.max(maxQueued, this.#starting) : this.#starting;
    if (this.queued < room) this.#queue.push(intendedMs);
    else this.#o.counters.dropped++;
  }

  /** Creates and starts one user; a user whose onStart fails keeps its slot (no retry storm against a failing login). */
  async #allocate(): Promise<void> {
    this.#allocated++;
    const user = this.#o.createUser(this.#created++);
    if (!user) return;
    this.#starting++;
    this.#all.add(user);
    const started = await user.instance.start();
    this.#starting--;
    if (started === 'ok') this.#free(user);
    else {
      this.#all.delete(user);
      if (started === 'failed') user.instance.release();
      else await user.instance.stop();
      this.#notify();
    }
  }

  #start(user: ArrivalUser, intendedMs: number): void {
    const { clock, counters } = this.#o;
    const delayMs = Math.max(0, clock.now() - intendedMs);
    counters.iterations++;
    if (delayMs > LATE_MS) counters.late++;
    user.recorder.startDelayUs = Math.round(delayMs * 1000);
    this.#inFlight++;
    user.instance.step().then(
      (step) => this.#done(user, step.outcome === 'stopped'),
      () => this.#done(user, false),
    );
  }

  #done(user: ArrivalUser, stopped: boolean): void {
    this.#inFlight--;
    if (!this.#all.has(user)) return this.#notify(); // already retired by finish()
    if (stopped) {
      // The user stopped itself (StopUser, this.stop()): its slot is free for a new one.
      this.#all.delete(user);
      this.#allocated--;
      void user.instance.stop();
    } else this.#free(user);
    this.#notify();
  }

  /** A user is free: it takes the oldest queued iteration, or waits idle. */
  #free(user: ArrivalUser): void {
    if (this.queued > 0) {
      const intendedMs = this.#queue[this.#queueHead++]!;
      if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#queueHead);
        this.#queueHead = 0;
      }
      return this.#start(user, intendedMs);
    }
    this.#idle.push(user);
    this.#notify();
  }
}
