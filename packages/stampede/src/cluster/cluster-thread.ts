/**
 * The whole cluster as one UserThread, so the master's LocalRunner drives it unchanged: spawn rate, class mix by
 * weight and fixedCount, per-second merge into the one Aggregate, graceful stop. Behind it, users are placed on
 * the least loaded live worker; a snapshot request fans out to every worker and the answers are handed to the
 * runner together (each worker's delta merged exactly once); a lost worker's users are started again on the
 * others with the same ids and classes. Arrival-rate scenarios are split over the workers (cluster-arrivals.ts).
 */
import { systemClock, type Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { FromThread, ToThread } from '../runner/messages.ts';
import type { UserThread } from '../runner/user-thread.ts';
import { ClusterArrivals } from './cluster-arrivals.ts';
import { emptyStats, requestsIn, type FromWorker, type ThreadStats, type ToWorker, type UserAssignment } from './protocol.ts';
import { isLive, type RemoteWorker } from './remote-worker.ts';

/** The single thread id the runner sees. */
const THREAD_ID = 0;

/** Options of a {@link ClusterThread}. */
export interface ClusterThreadOptions {
  /** Every worker known to the master (live or not). */
  workers: () => Iterable<RemoteWorker>;
  send: (worker: RemoteWorker, message: ToWorker) => void;
  logger: Logger;
  /** Start a lost worker's users on the others (false with --abort-on-worker-loss). */
  respawnLostUsers: boolean;
  /** How long a tick waits for the workers' snapshots, ms; must stay under the runner's snapshot timeout. Default 750. */
  snapshotWaitMs?: number;
  /** For arrival-rate scenarios (when a share started, when the run stopped). Default: the system clock. */
  clock?: Pick<Clock, 'now'>;
}

interface Gathering {
  seq: number;
  waiting: Set<string>;
  answers: ThreadStats[];
  timer: NodeJS.Timeout;
}

/** The cluster seen by LocalRunner as one user thread. */
export class ClusterThread implements UserThread {
  readonly threadId = THREAD_ID;
  /** The workers answer within the stop timeout + 2 s (local-thread-group.ts), and the cluster by + 2.5 s (#startStop). */
  readonly stopMarginMs = 3_000;
  readonly #o: ClusterThreadOptions;
  readonly #listeners: ((m: FromThread) => void)[] = [];
  #snapshot: Gathering | undefined;
  #stop: Gathering | undefined;
  #stopping = false;
  readonly #arrivals: ClusterArrivals;

  constructor(options: ClusterThreadOptions) {
    this.#o = options;
    const clock = options.clock ?? systemClock;
    this.#arrivals = new ClusterArrivals({ send: options.send, emit: (m) => this.#emit(m), logger: options.logger, now: () => clock.now() });
  }

  post(message: ToThread): void {
    switch (message.type) {
      case 'spawn':
        this.#place([{ userId: message.userId, className: message.className, scenario: message.scenario, corrected: message.corrected, iterations: message.iterations }]);
        break;
      case 'start-arrival':
        this.#arrivals.start(message, this.#live());
        break;
      case 'stop-users':
        this.#stopUsers(message.userIds);
        break;
      case 'snapshot':
        this.#startSnapshot(message.seq);
        break;
      case 'stop':
        this.#startStop(message.stopTimeoutMs);
        break;
      case 'close':
        break;
    }
  }

  onMessage(listener: (message: FromThread) => void): void {
    this.#listeners.push(listener);
  }

  /** The master ends the workers itself (quit); nothing to release here. */
  async terminate(): Promise<void> {}

  /** Users live on the cluster. */
  get users(): number {
    let n = 0;
    for (const w of this.#live()) n += w.users.size;
    return n;
  }

  /** A message from a member worker (the master drops those of workers it has given up on). */
  fromWorker(worker: RemoteWorker, m: FromWorker): void {
    switch (m.type) {
      case 'snapshot':
        worker.requests += requestsIn(m.stats);
        this.#arrivals.reported(worker, m.stats);
        this.#answer(this.#snapshot?.seq === m.seq ? this.#snapshot : undefined, worker, m.stats, m.seq);
        break;
      case 'stopped':
        worker.requests += requestsIn(m.stats);
        this.#arrivals.reported(worker, m.stats);
        this.#answer(this.#stop, worker, m.stats, -1);
        break;
      case 'bye':
        // Its last statistics count like any late answer; the master then handles it as lost.
        worker.requests += requestsIn(m.stats);
        this.#arrivals.reported(worker, m.stats);
        this.#answer(undefined, worker, m.stats, -1);
        break;
      case 'arrival-done':
        this.#arrivals.workerDone(worker, m.scenario);
        break;
      case 'user-exited':
        if (worker.users.delete(m.userId)) this.#emit({ type: 'user-exited', threadId: THREAD_ID, userId: m.userId });
        break;
      case 'log':
        this.#emit({ type: 'log', level: m.level, source: `${m.source}@${worker.id}`, message: m.message, time: m.time });
        break;
      default:
        break;
    }
  }

  /** A worker joined after the start: it gets users from the next spawn on (running users are not moved). */
  workerJoined(worker: RemoteWorker): void {
    if (this.#stopping) this.#o.send(worker, { type: 'stop', stopTimeoutMs: 0 });
  }

  /**
   * A worker was lost (missing or left): nothing more is awaited from it, and its users start again on the others
   * unless respawning is off. Returns how many of its users found no other worker.
   */
  workerLost(worker: RemoteWorker): number {
    const users: UserAssignment[] = [...worker.users].map(([userId, className]) => ({ userId, className }));
    worker.users.clear();
    this.#arrivals.workerLost(worker);
    for (const g of [this.#snapshot, this.#stop]) {
      if (g?.waiting.delete(worker.id) && g.waiting.size === 0) this.#flush(g);
    }
    if (this.#stopping || !this.#o.respawnLostUsers || users.length === 0) return 0;
    const placed = this.#place(users);
    if (placed > 0) this.#o.logger.log('info', `${placed} users of ${worker.id} started again on the remaining workers`);
    return users.length - placed;
  }

  #live(): RemoteWorker[] {
    return [...this.#o.workers()].filter(isLive);
  }

  /** Places users on the least loaded live workers; returns how many found a worker. */
  #place(users: readonly UserAssignment[]): number {
    const live = this.#live();
    if (live.length === 0) {
      this.#o.logger.log('warning', `no live worker for ${users.length} user(s)`);
      return 0;
    }
    const batches = new Map<RemoteWorker, UserAssignment[]>();
    for (const u of users) {
      let target = live[0]!;
      for (const w of live) if (w.users.size < target.users.size) target = w;
      target.users.set(u.userId, u.className);
      batches.set(target, [...(batches.get(target) ?? []), u]);
    }
    for (const [w, batch] of batches) this.#o.send(w, { type: 'spawn', users: batch });
    return users.length;
  }

  #stopUsers(userIds: readonly number[]): void {
    const ids = new Set(userIds);
    for (const w of this.#live()) {
      const mine = [...w.users.keys()].filter((id) => ids.has(id));
      for (const id of mine) w.users.delete(id);
      if (mine.length) this.#o.send(w, { type: 'stop-users', userIds: mine });
    }
  }

  #gathering(seq: number, timeoutMs: number): Gathering {
    const live = this.#live();
    const g: Gathering = { seq, waiting: new Set(live.map((w) => w.id)), answers: [], timer: setTimeout(() => this.#flush(g), timeoutMs) };
    return g;
  }

  #startSnapshot(seq: number): void {
    if (this.#snapshot) this.#flush(this.#snapshot);
    const g = this.#gathering(seq, this.#o.snapshotWaitMs ?? 750);
    this.#snapshot = g;
    for (const w of this.#live()) this.#o.send(w, { type: 'snapshot', seq });
    if (g.waiting.size === 0) this.#flush(g);
  }

  #startStop(stopTimeoutMs: number): void {
    this.#stopping = true;
    this.#arrivals.stopping();
    // The runner gives up on a thread stopTimeout + stopMarginMs (3 s) after asking; answer before that.
    const g = this.#gathering(-1, stopTimeoutMs + 2500);
    this.#stop = g;
    for (const w of this.#live()) {
      w.users.clear();
      w.state = 'stopping';
      this.#o.send(w, { type: 'stop', stopTimeoutMs });
    }
    if (g.waiting.size === 0) this.#flush(g);
  }

  /** Records an answer to `g`, or hands a late or unsolicited one to the runner at once. */
  #answer(g: Gathering | undefined, worker: RemoteWorker, stats: ThreadStats[], seq: number): void {
    if (g && g.waiting.delete(worker.id)) {
      g.answers.push(...stats);
      if (g.waiting.size === 0) this.#flush(g);
      return;
    }
    // Late (its tick already closed): merged now, into the current second; totals stay exact.
    for (const a of stats) this.#emit({ type: 'snapshot', threadId: THREAD_ID, seq, users: 0, ...a });
  }

  /**
   * Hands every gathered answer to the runner in one synchronous burst: the runner resumes on a microtask, after
   * all of them are merged, so the second closes with every worker's delta in it.
   */
  #flush(g: Gathering): void {
    clearTimeout(g.timer);
    if (g === this.#snapshot) this.#snapshot = undefined;
    if (g === this.#stop) {
      if (this.#snapshot) this.#flush(this.#snapshot);
      this.#stop = undefined;
    }
    // At least one message, so the runner's round ends now rather than at its timeout.
    const answers = g.answers.length ? g.answers : [emptyStats()];
    for (const a of answers) {
      if (g.seq === -1) this.#emit({ type: 'stopped', threadId: THREAD_ID, ...a });
      else this.#emit({ type: 'snapshot', threadId: THREAD_ID, seq: g.seq, users: this.users, ...a });
    }
    g.answers = [];
  }

  #emit(message: FromThread): void {
    const m = message.type === 'snapshot' || message.type === 'stopped' ? this.#arrivals.withClusterUsers(message) : message;
    for (const l of this.#listeners) l(m);
  }
}
