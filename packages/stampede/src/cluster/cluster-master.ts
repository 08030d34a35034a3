/**
 * The master's side of a distributed run: holds the namespace lease (one master per namespace, and the workers'
 * proof that it lives), publishes the script bundle, accepts worker registrations, tracks heartbeats, marks a
 * worker silent for 3 s missing (its users continue elsewhere through the ClusterThread), flags CPU over 90 %,
 * and at the end tells the workers to quit and removes the run's keys. A headless run is one test on `thread`; the
 * web UI runs many on the same workers: after each, reload() has the workers reload their threads (they answer
 * `ready` again), and newTest() gives the next test a fresh ClusterThread.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { ReportWorker } from '../report/report-types.ts';
import { STAMPEDE_ENTRY } from './bundle-files.ts';
import { ClusterThread } from './cluster-thread.ts';
import { ClusterError } from './errors.ts';
import { namespaceKeys, runKeys, type MasterLease, type RunKeys } from './keys.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';
import { isLive, workerView, type RemoteWorker, type RemoteWorkerState, type WorkerStateView } from './remote-worker.ts';
import { StreamReader, sendMessage } from './stream-channel.ts';

const LEASE_MS = 5000;
/** Run keys outlive a master that died without cleaning up by at most this long. */
const RUN_TTL_S = 6 * 3600;
const RELEASE_IF_OURS = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
const EXTEND_IF_OURS = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";

/** Options of {@link ClusterMaster.open}. */
export interface ClusterMasterOptions {
  redis: Redis;
  namespace: string;
  clock: Clock;
  logger: Logger;
  /** The esbuild bundle of the script, and its sha256. */
  bundle: { text: string; hash: string };
  /** How workers load the script and create users (everything but the bundle). */
  init: Omit<WorkerInit, 'type' | 'bundleHash' | 'stampedeEntry'>;
  identity: { host: string; pid: number };
  /** Start a lost worker's users on the others (false with --abort-on-worker-loss). */
  respawnLostUsers: boolean;
  /** Silence after which a worker is missing, ms. Default 3000. */
  missingAfterMs?: number;
  /** CPU (percent of a worker's cores) above which a worker is flagged. Default 90. */
  cpuFlagPct?: number;
}

/** What changes from one test to the next on the same workers (the web UI's start form). */
export interface TestSettings {
  /** Base URL, or undefined for each class's static host. */
  host?: string;
  seed: number;
}

/** Messages a worker still loading the script (`joining`) may send; anything else belongs to an earlier test. */
const WHILE_JOINING = new Set<FromWorker['type']>(['register', 'ready', 'init-error', 'heartbeat', 'log', 'bye']);

/** Emitted with 'worker-lost'. */
export interface WorkerLostEvent {
  id: string;
  reason: string;
  lostAtS: number;
}

/** Events: 'worker-ready' (id), 'worker-failed' ({ id, message }), 'worker-lost' (WorkerLostEvent), 'all-workers-lost'. */
export class ClusterMaster extends EventEmitter {
  readonly runId: string;
  readonly #o: ClusterMasterOptions;
  /** The current test's view of the cluster (replaced by newTest()). */
  #thread: ClusterThread;
  /** How workers load the script now: the options' init, with the host and seed of the latest test. */
  #settings: ClusterMasterOptions['init'];
  /** Loads (init, reset) sent to each worker and not yet answered: only the answer to the last makes it ready. */
  readonly #pendingLoads = new Map<string, number>();
  /** Workers of the current web UI test (undefined in a headless run: every worker is in its one test). */
  #testWorkers: Set<string> | undefined;
  /** Workers whose threads are (being) loaded with the current settings and have run no test since. */
  readonly #fresh = new Set<string>();
  readonly #keys: RunKeys;
  readonly #lease: string;
  readonly #workers = new Map<string, RemoteWorker>();
  #reader: StreamReader<FromWorker> | undefined;
  #timers: NodeJS.Timeout[] = [];
  #runStartMs: number | undefined;
  #closed = false;

  private constructor(o: ClusterMasterOptions, runId: string, lease: string) {
    super();
    this.#o = o;
    this.runId = runId;
    this.#lease = lease;
    this.#keys = runKeys(o.namespace, runId);
    this.#settings = { ...o.init };
    this.#thread = this.#newThread();
  }

  /** The whole cluster as the one user thread of the current test's runner. */
  get thread(): ClusterThread {
    return this.#thread;
  }

  #newThread(): ClusterThread {
    return new ClusterThread({
      workers: () => this.#workers.values(),
      send: (w, m) => this.#send(w, m),
      logger: this.#o.logger,
      respawnLostUsers: this.#o.respawnLostUsers,
    });
  }

  /** Takes the namespace lease (STAMPEDE_ERR_CLUSTER_BUSY if another master holds it), publishes the bundle, listens. */
  static async open(o: ClusterMasterOptions): Promise<ClusterMaster> {
    const runId = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const lease: MasterLease = { runId, host: o.identity.host, pid: o.identity.pid, startedAt: o.clock.wallNow() };
    const leaseJson = JSON.stringify(lease);
    const key = namespaceKeys(o.namespace).master;
    if ((await o.redis.set(key, leaseJson, 'PX', LEASE_MS, 'NX')) !== 'OK') {
      const other = JSON.parse((await o.redis.get(key)) ?? '{}') as Partial<MasterLease>;
      throw new ClusterError(
        'STAMPEDE_ERR_CLUSTER_BUSY',
        `another master (${other.host ?? '?'} pid ${other.pid ?? '?'}, run ${other.runId ?? '?'}) is running on namespace '${o.namespace}'`,
        'stop it, or give this run its own --namespace (workers must use the same one)',
      );
    }
    const master = new ClusterMaster(o, runId, leaseJson);
    await o.redis.set(master.#keys.bundle, o.bundle.text, 'EX', RUN_TTL_S);
    master.#listen();
    return master;
  }

  #listen(): void {
    const { clock, logger } = this.#o;
    this.#reader = new StreamReader<FromWorker>(this.#o.redis, this.#keys.up, (m) => this.#onMessage(m), logger);
    this.#timers.push(setInterval(() => void this.#renewLease(), 1000));
    this.#timers.push(setInterval(() => this.#checkLiveness(clock.now()), 100));
    this.#timers.push(setInterval(() => void this.#o.redis.expire(this.#keys.up, RUN_TTL_S).catch(() => {}), 60_000));
  }

  /** Marks the start of the run (for `lost_at`, in seconds since it). */
  runStarted(atMs: number): void {
    this.#runStartMs = atMs;
    // Their threads now hold this test's users (and, once stopped, are spent): the next test reloads them.
    this.#fresh.clear();
  }

  /** Workers that can take users now. */
  get liveWorkers(): number {
    let n = 0;
    for (const w of this.#workers.values()) if (isLive(w)) n++;
    return n;
  }

  /** Workers that can run users now or in the next test: ready, running, or stopped after the last test. */
  get readyWorkers(): number {
    let n = 0;
    for (const w of this.#workers.values()) if (isLive(w) || w.state === 'stopped') n++;
    return n;
  }

  /** Workers that are members of the run: loading the script, ready, running or stopping; not lost or failed. */
  get memberWorkers(): number {
    let n = 0;
    for (const w of this.#workers.values()) if (this.#isMember(w)) n++;
    return n;
  }

  /**
   * After a test of the web UI has stopped: every member that ran it reloads its user threads now, from the bundle
   * it holds, with `settings` (no waiting), so the next test can start at once. A change of host reloads every
   * member, even one that ran nothing. A headless run, one test, never calls this.
   */
  reload(settings: TestSettings): void {
    if (settings.host !== this.#settings.host) this.#fresh.clear();
    this.#settings = { ...this.#settings, host: settings.host, seed: settings.seed };
    this.#runStartMs = undefined;
    for (const w of this.#workers.values()) {
      // A worker still stopping is reloaded by newTest() once its stop has been answered.
      if (!this.#isMember(w) || this.#fresh.has(w.id) || w.state === 'running' || w.state === 'stopping') continue;
      // A worker still on an earlier load takes the reset after it: only its answer to the reset counts.
      w.state = 'joining';
      w.users.clear();
      this.#fresh.add(w.id);
      this.#pendingLoads.set(w.id, (this.#pendingLoads.get(w.id) ?? 0) + 1);
      this.#send(w, { type: 'reset', host: settings.host, seed: settings.seed });
    }
  }

  /**
   * Prepares the next test of the web UI on the same workers. Waits (within `timeoutMs`) for the previous test's
   * stop answers, has each member that is not already loaded with `settings` since its last test reload (see
   * reload(); with the same host, a worker already reloaded keeps the seed it loaded), gives the test a fresh
   * `thread`, and resolves how many workers are ready once none is loading (or at `timeoutMs`). Per-worker figures
   * (requests, CPU) start again from zero.
   */
  async newTest(settings: TestSettings, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    const { clock } = this.#o;
    const deadline = clock.now() + timeoutMs;
    const busy = () => [...this.#workers.values()].some((w) => w.state === 'running' || w.state === 'stopping');
    while (busy() && clock.now() < deadline && !signal?.aborted) await clock.sleep(50, signal);
    this.reload(settings);
    this.#thread = this.#newThread();
    const members = [...this.#workers.values()].filter((w) => this.#isMember(w));
    this.#testWorkers = new Set(members.map((w) => w.id));
    for (const w of this.#workers.values()) {
      w.requests = 0;
      w.cpuMaxPct = 0;
      w.cpuFlagged = false;
    }
    const loading = () => members.some((w) => w.state === 'joining');
    while (loading() && clock.now() < deadline && !signal?.aborted) await clock.sleep(50, signal);
    return this.liveWorkers;
  }

  /**
   * Resolves when `count` workers have loaded the script. Rejects with STAMPEDE_ERR_CLUSTER_WORKER when a worker
   * cannot load it, STAMPEDE_ERR_CLUSTER_TIMEOUT after `timeoutMs`; resolves false when `signal` aborts.
   */
  async waitForWorkers(count: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const { clock, logger } = this.#o;
    const deadline = clock.now() + timeoutMs;
    let failed: { id: string; message: string } | undefined;
    const onFailed = (f: { id: string; message: string }) => (failed ??= f);
    this.on('worker-failed', onFailed);
    let shown = -1;
    try {
      while (this.liveWorkers < count) {
        if (signal?.aborted) return false;
        if (failed) throw new ClusterError('STAMPEDE_ERR_CLUSTER_WORKER', `worker ${failed.id} cannot load the script: ${failed.message}`, 'install what the script imports on the workers');
        if (clock.now() >= deadline) {
          throw new ClusterError('STAMPEDE_ERR_CLUSTER_TIMEOUT', `only ${this.liveWorkers} of ${count} workers joined within ${Math.round(timeoutMs / 1000)}s`, `start workers with: stampede worker --redis URL --namespace ${this.#o.namespace}`);
        }
        if (this.liveWorkers !== shown) logger.log('info', `waiting for workers: ${(shown = this.liveWorkers)} of ${count} ready`);
        await clock.sleep(100, signal);
      }
      return true;
    } finally {
      this.off('worker-failed', onFailed);
    }
  }

  /** Every worker the master has seen, for the web UI's workers tab. */
  workerStates(): WorkerStateView[] {
    return [...this.#workers.values()].map(workerView);
  }

  /** The report's `workers` section: every worker that loaded the script (for the current test), with what it delivered. */
  reportWorkers(): ReportWorker[] {
    return [...this.#workers.values()]
      .filter((w) => w.state !== 'joining' && w.state !== 'failed' && (this.#testWorkers?.has(w.id) ?? true))
      .map((w) => ({ id: w.id, requests: w.requests, ...(w.lostAtS !== undefined ? { lost_at: w.lostAtS } : {}) }));
  }

  /** Highest CPU any worker reported (percent of its cores), and whether any was over the flag threshold. */
  cpu(): { maxPct: number; flagged: boolean } {
    let maxPct = 0;
    let flagged = false;
    for (const w of this.#workers.values()) {
      maxPct = Math.max(maxPct, w.cpuMaxPct);
      flagged ||= w.cpuFlagged;
    }
    return { maxPct, flagged };
  }

  /** Tells every member to quit, stops listening, deletes the run's keys and releases the lease. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    const { redis } = this.#o;
    await Promise.all([...this.#workers.values()].filter((w) => this.#isMember(w)).map((w) => this.#sendNow(w, { type: 'quit' })));
    await this.#reader?.close();
    // Workers read their quit before the stream goes: they block on it with XREAD, which returns at once.
    await this.#o.clock.sleep(200);
    const keys = [this.#keys.bundle, this.#keys.up, ...[...this.#workers.keys()].map((id) => this.#keys.down(id))];
    await redis.del(...keys).catch(() => {});
    await redis.eval(RELEASE_IF_OURS, 1, namespaceKeys(this.#o.namespace).master, this.#lease).catch(() => {});
  }

  #isMember(w: RemoteWorker): boolean {
    return w.state !== 'missing' && w.state !== 'left' && w.state !== 'failed';
  }

  #send(w: RemoteWorker, m: ToWorker): void {
    void this.#sendNow(w, m);
  }

  #sendNow(w: RemoteWorker, m: ToWorker): Promise<void> {
    return sendMessage(this.#o.redis, this.#keys.down(w.id), m).catch((error: Error) =>
      this.#o.logger.log('warning', `cannot send ${m.type} to ${w.id}: ${error.message}`),
    );
  }

  async #renewLease(): Promise<void> {
    const key = namespaceKeys(this.#o.namespace).master;
    try {
      const ok = (await this.#o.redis.eval(EXTEND_IF_OURS, 1, key, this.#lease, String(LEASE_MS))) as number;
      if (ok === 1) return;
      if ((await this.#o.redis.set(key, this.#lease, 'PX', LEASE_MS, 'NX')) === 'OK') return;
      this.#o.logger.log('error', `another master took namespace '${this.#o.namespace}': workers may leave this run`);
    } catch (error) {
      this.#o.logger.log('warning', `cannot renew the master lease: ${(error as Error).message}`);
    }
  }

  #onMessage(m: FromWorker): void {
    const now = this.#o.clock.now();
    if (m.type === 'register') {
      if (this.#workers.has(m.workerId) || this.#closed) return;
      const w: RemoteWorker = { id: m.workerId, host: m.host, pid: m.pid, threads: m.threads, state: 'joining', users: new Map(), cpuPct: 0, cpuMaxPct: 0, rssBytes: 0, cpuFlagged: false, requests: 0, lastSeenMs: now };
      this.#workers.set(w.id, w);
      this.#testWorkers?.add(w.id);
      this.#pendingLoads.set(w.id, 1);
      this.#fresh.add(w.id);
      this.#o.logger.log('info', `worker ${w.id} registered (${m.threads} threads); sending the script`);
      this.#send(w, { type: 'init', bundleHash: this.#o.bundle.hash, stampedeEntry: STAMPEDE_ENTRY, ...this.#settings });
      return;
    }
    const w = this.#workers.get(m.workerId);
    // A worker given up on stays given up on: its users already run elsewhere.
    if (!w || !this.#isMember(w)) return;
    w.lastSeenMs = now;
    // Statistics and exits of an earlier test that arrive while the worker reloads are not this test's.
    if (w.state === 'joining' && !WHILE_JOINING.has(m.type)) return;
    switch (m.type) {
      case 'ready': {
        const pending = Math.max(0, (this.#pendingLoads.get(w.id) ?? 1) - 1);
        this.#pendingLoads.set(w.id, pending);
        // The answer to an older load: a reset is on its way, and the worker is not ready until it answers that.
        if (pending > 0) break;
        w.state = 'ready';
        this.#o.logger.log('info', `worker ${w.id} ready`);
        this.emit('worker-ready', w.id);
        if (this.#runStartMs !== undefined) {
          // It joins the running test (users, or a stop when it ends): its threads are spent too.
          this.#fresh.delete(w.id);
          this.thread.workerJoined(w);
        }
        break;
      }
      case 'init-error':
        w.state = 'failed';
        this.#o.logger.log('error', `worker ${w.id} cannot load the script: ${m.message}`);
        this.emit('worker-failed', { id: w.id, message: m.message });
        break;
      case 'heartbeat':
        this.#onHeartbeat(w, m);
        break;
      case 'bye':
        if (w.state !== 'joining') this.thread.fromWorker(w, m);
        this.#lose(w, 'left', `left (${m.reason})`);
        break;
      case 'stopped':
        w.state = 'stopped';
        this.thread.fromWorker(w, m);
        break;
      default:
        this.thread.fromWorker(w, m);
    }
  }

  #onHeartbeat(w: RemoteWorker, m: Extract<FromWorker, { type: 'heartbeat' }>): void {
    w.cpuPct = m.cpuPct;
    w.cpuMaxPct = Math.max(w.cpuMaxPct, m.cpuPct);
    w.rssBytes = m.rssBytes;
    if (w.state === 'ready' && m.state === 'running') w.state = 'running';
    const limit = this.#o.cpuFlagPct ?? 90;
    if (m.cpuPct > limit && !w.cpuFlagged) {
      w.cpuFlagged = true;
      this.#o.logger.log('warning', `worker ${w.id} CPU at ${Math.round(m.cpuPct)}% of its cores (over ${limit}%): it may be limiting the load; add workers`);
    }
  }

  #checkLiveness(now: number): void {
    const silentMs = this.#o.missingAfterMs ?? 3000;
    for (const w of this.#workers.values()) {
      if (this.#isMember(w) && now - w.lastSeenMs >= silentMs) this.#lose(w, 'missing', `missing (silent for ${((now - w.lastSeenMs) / 1000).toFixed(1)}s)`);
    }
  }

  #lose(w: RemoteWorker, state: RemoteWorkerState, reason: string): void {
    const hadUsers = w.users.size;
    // Lost before the test started: it took no part in it.
    if (this.#runStartMs === undefined) this.#testWorkers?.delete(w.id);
    w.state = state;
    const lostAtS = this.#runStartMs === undefined ? 0 : Math.round(this.#o.clock.now() - this.#runStartMs) / 1000;
    w.lostAtS = lostAtS;
    const unplaced = this.thread.workerLost(w);
    this.#o.logger.log('warning', `worker ${w.id} ${reason} at ${lostAtS.toFixed(1)}s (interval ${Math.ceil(lostAtS)}), ${hadUsers} users`);
    if (unplaced > 0) this.#o.logger.log('warning', `${unplaced} users of ${w.id} could not be placed: no live worker`);
    this.emit('worker-lost', { id: w.id, reason, lostAtS } satisfies WorkerLostEvent);
    if (this.#runStartMs !== undefined && this.liveWorkers === 0) this.emit('all-workers-lost');
  }
}
