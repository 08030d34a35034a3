/**
 * The master's side of a distributed run: holds the namespace lease (one master per namespace, and the workers'
 * proof that it lives), publishes the script bundle, accepts worker registrations, tracks heartbeats, marks a
 * worker silent for 3 s missing (its users continue elsewhere through the ClusterThread), flags CPU over 90 %,
 * and at the end tells the workers to quit and removes the run's keys. A headless run is one test on `thread`; the
 * web UI runs many on the same workers: after each, reload() has the workers reload their threads (they answer
 * `ready` again), and newTest() gives the next test a fresh ClusterThread.
 *
 * Redis may restart or be unreachable for a while (issue #19): the master keeps its lease and heartbeat going as
 * soon as Redis answers again (re-publishing the bundle if Redis lost it), does not count the outage as worker
 * silence, and emits 'redis-lost' once Redis has not answered for `redisGraceMs`. Messages sent meanwhile wait in
 * the Redis client's queue; the readers take each message once (stream-channel.ts), so counts stay exact.
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
import { namespaceKeys, parseLease, runKeys, type MasterLease, type RunKeys } from './keys.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';
import { isLive, workerView, type RemoteWorker, type RemoteWorkerState, type WorkerStateView } from './remote-worker.ts';
import { StreamReader, StreamWriter } from './stream-channel.ts';

const LEASE_MS = 5000;
/** Period of the lease renewal and of the heartbeat workers watch (`NS:run:ID:beat`), ms. */
export const BEAT_MS = 500;
/** No successful heartbeat for this long, ms: Redis counts as down (worker silence is not theirs). */
const REDIS_QUIET_MS = 1500;
/** After Redis answers again, workers get this long on top of the missing threshold to be heard from, ms. */
const RECOVERY_MS = 2000;
/** A Redis command of close() that does not answer within this long is given up, ms. */
const CLOSE_STEP_MS = 1000;
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
  /** How long Redis may be unreachable before 'redis-lost', ms (`--redis-grace`). Default 10 000. */
  redisGraceMs?: number;
  /** The shared key (`--cluster-key`) that authenticates every message; none: messages are not authenticated. */
  clusterKey?: Buffer;
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

/**
 * Events: 'worker-ready' (id), 'worker-failed' ({ id, message }), 'worker-lost' (WorkerLostEvent), 'all-workers-lost',
 * 'redis-lost' (ms Redis has not answered, once it exceeds the grace).
 */
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
  readonly #writer: StreamWriter;
  #timers: NodeJS.Timeout[] = [];
  /** Master clock of the last heartbeat Redis accepted. */
  #redisOkAt: number;
  /** Until then (master clock), a worker's silence does not count: Redis was down. */
  #quietUntil = 0;
  #redisLost = false;
  #beating = false;
  #runStartMs: number | undefined;
  #closed = false;

  private constructor(o: ClusterMasterOptions, runId: string, lease: string) {
    super();
    this.#o = o;
    this.runId = runId;
    this.#lease = lease;
    this.#keys = runKeys(o.namespace, runId);
    this.#writer = new StreamWriter(o.redis, 'master', { runId, key: o.clusterKey });
    this.#redisOkAt = o.clock.now();
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
      const other: Partial<MasterLease> = parseLease(await o.redis.get(key)) ?? {};
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
    const auth = { runId: this.runId, key: this.#o.clusterKey };
    this.#reader = new StreamReader<FromWorker>(this.#o.redis, this.#keys.up, (m, sender) => this.#onMessage(m, sender), logger, { auth });
    this.#timers.push(setInterval(() => void this.#beat(), BEAT_MS));
    // Back from an outage: the lease and heartbeat at once, so workers that reconnected first do not wait for them.
    this.#o.redis.on('ready', this.#onRedisReady);
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
    redis.off('ready', this.#onRedisReady);
    // Each step is bounded: with Redis down, close() still ends (workers then stop when the heartbeat stops).
    const bounded = (p: Promise<unknown>) => this.#within(p, CLOSE_STEP_MS);
    await bounded(Promise.all([...this.#workers.values()].filter((w) => this.#isMember(w)).map((w) => this.#sendNow(w, { type: 'quit' }))));
    await this.#reader?.close();
    // Workers read their quit before the stream goes: they block on it with XREAD, which returns at once.
    await this.#o.clock.sleep(200);
    const keys = [this.#keys.bundle, this.#keys.beat, this.#keys.up, ...[...this.#workers.keys()].map((id) => this.#keys.down(id))];
    await bounded(redis.del(...keys).catch(() => {}));
    await bounded(redis.eval(RELEASE_IF_OURS, 1, namespaceKeys(this.#o.namespace).master, this.#lease).catch(() => {}));
  }

  /** Resolves when `p` settles or after `ms`, whichever is first. */
  async #within(p: Promise<unknown>, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([p.catch(() => {}), new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  #isMember(w: RemoteWorker): boolean {
    return w.state !== 'missing' && w.state !== 'left' && w.state !== 'failed';
  }

  #send(w: RemoteWorker, m: ToWorker): void {
    void this.#sendNow(w, m);
  }

  #sendNow(w: RemoteWorker, m: ToWorker): Promise<void> {
    return this.#writer.send(this.#keys.down(w.id), m).catch((error: Error) =>
      this.#o.logger.log('warning', `cannot send ${m.type} to ${w.id}: ${error.message}`),
    );
  }

  readonly #onRedisReady = (): void => void this.#beat();

  /**
   * The heartbeat workers watch (`beat`, incremented), and the lease renewed — or taken again when Redis lost it
   * (a restart without persistence), then with the bundle, which a worker joining later still needs.
   */
  async #beat(): Promise<void> {
    if (this.#beating || this.#closed) return;
    this.#beating = true;
    const { redis, logger } = this.#o;
    const key = namespaceKeys(this.#o.namespace).master;
    try {
      const [[, ok]] = (await redis.multi().eval(EXTEND_IF_OURS, 1, key, this.#lease, String(LEASE_MS)).incr(this.#keys.beat).pexpire(this.#keys.beat, RUN_TTL_S * 1000).exec())! as [[Error | null, number]];
      this.#redisOkAt = this.#o.clock.now();
      // Answering again: a later outage is judged on its own (the web UI's next test).
      this.#redisLost = false;
      if (ok === 1) return;
      if ((await redis.set(key, this.#lease, 'PX', LEASE_MS, 'NX')) === 'OK') {
        if ((await redis.set(this.#keys.bundle, this.#o.bundle.text, 'EX', RUN_TTL_S, 'NX')) === 'OK') logger.log('warning', 'Redis had lost the run (restarted?): lease and script bundle published again');
        return;
      }
      logger.log('error', `another master took namespace '${this.#o.namespace}': workers may leave this run`);
    } catch (error) {
      logger.log('warning', `cannot renew the master lease: ${(error as Error).message}`);
    } finally {
      this.#beating = false;
    }
  }

  /** True while Redis does not answer (the connection is down, or no heartbeat got through lately). */
  #redisDown(now: number): boolean {
    return this.#o.redis.status !== 'ready' || now - this.#redisOkAt > REDIS_QUIET_MS;
  }

  #onMessage(m: FromWorker, sender: string | undefined): void {
    const now = this.#o.clock.now();
    if (typeof m.type !== 'string' || typeof m.workerId !== 'string' || (sender !== undefined && m.workerId !== sender)) {
      this.#o.logger.log('warning', `ignored a message on the run's up stream: its sender ${String(sender).slice(0, 60)} is not the worker it names`);
      return;
    }
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
    if (this.#redisDown(now)) {
      // Nobody can be heard while Redis is down: that silence is not the workers'.
      this.#quietUntil = now + RECOVERY_MS;
      const downMs = now - this.#redisOkAt;
      if (!this.#redisLost && downMs >= (this.#o.redisGraceMs ?? 10_000)) {
        this.#redisLost = true;
        this.emit('redis-lost', downMs);
      }
    }
    if (now < this.#quietUntil) {
      for (const w of this.#workers.values()) w.lastSeenMs = Math.max(w.lastSeenMs, now);
      return;
    }
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
