/**
 * A worker process in distributed mode: waits for a master in its namespace, registers, loads the script bundle
 * the master published, runs the users the master assigns on its own user threads, answers snapshot and stop
 * requests with exact deltas, and heartbeats. It leaves on `quit`, on a signal (leave()), when the master's
 * heartbeat (`NS:run:ID:beat`) has not moved for `masterTimeoutMs` while Redis answered (default 2 s: the users stop
 * sending within 3 s of the master's end, issue #19), or when Redis has not answered for `redisGraceMs` (10 s).
 * A shorter Redis outage or restart changes nothing: the users keep running, messages wait in the client's queue,
 * and the master's heartbeat is looked for again once Redis answers.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { ThreadInit } from '../runner/messages.ts';
import type { UserThread } from '../runner/user-thread.ts';
import { writeWorkerBundle, type WorkerBundle } from './bundle-files.ts';
import { namespaceKeys, parseLease, runKeys, type MasterLease, type RunKeys } from './keys.ts';
import { LocalThreadGroup } from './local-thread-group.ts';
import { unwirePlan, type FromWorker, type ThreadStats, type ToWorker, type WorkerInit, type WorkerResources, type WorkerRunState } from './protocol.ts';
import { StreamReader, StreamWriter } from './stream-channel.ts';

/** Why a worker's run() ended. */
export type WorkerExit = 'quit' | 'master-gone' | 'redis-lost' | 'left' | 'init-failed';

/** How often the worker looks at the master's heartbeat, ms. */
const WATCH_MS = 250;
/** A heartbeat read that takes longer than this counts as Redis not answering, ms. */
const WATCH_READ_MS = 1000;

/** Options of a {@link ClusterWorker}. */
export interface ClusterWorkerOptions {
  redis: Redis;
  namespace: string;
  /** User threads to start (the CLI defaults to the available cores). */
  threads: number;
  createThread: (init: ThreadInit) => UserThread;
  /** Samples the process's CPU and memory (the CLI owns `process`). */
  resources: () => WorkerResources;
  clock: Clock;
  logger: Logger;
  /** Identity shown to the master: host name and process id. */
  host: string;
  pid: number;
  /** Stop the users and leave when the master's heartbeat has not moved this long (Redis answering), ms. Default 2000. */
  masterTimeoutMs?: number;
  /** Stop the users and leave when Redis has not answered this long, ms (`--redis-grace`). Default 10 000. */
  redisGraceMs?: number;
  /** The shared key (`--cluster-key`) that authenticates every message; none: messages are not authenticated. */
  clusterKey?: Buffer;
  /** Heartbeat period, ms. Default 500 (the master marks a worker missing after 3 s of silence). */
  heartbeatMs?: number;
  /** Give up on a master that does not answer the registration within this many ms, and look again. Default 10 000. */
  joinTimeoutMs?: number;
}

/** One worker process's membership in a distributed run. */
export class ClusterWorker {
  readonly id: string;
  state: WorkerRunState = 'joining';
  readonly #o: ClusterWorkerOptions;
  #keys: RunKeys | undefined;
  #runId = '';
  #reader: StreamReader<ToWorker> | undefined;
  #writer: StreamWriter | undefined;
  /** Last value of the master's heartbeat counter seen, and since when (worker clock) Redis has not answered. */
  #lastBeat: string | null = null;
  #redisDownSince: number | undefined;
  #watching = false;
  #group: LocalThreadGroup | undefined;
  #bundle: WorkerBundle | undefined;
  /** The settings the threads were last loaded with (init, then each reset's host and seed). */
  #settings: WorkerInit | undefined;
  #initialized: Promise<void> = Promise.resolve();
  #gotInit: (() => void) | undefined;
  #timers: NodeJS.Timeout[] = [];
  #masterSeenAt = 0;
  #finished = false;
  #leaving = new AbortController();
  #resolveDone!: (exit: WorkerExit) => void;
  readonly #done = new Promise<WorkerExit>((resolve) => (this.#resolveDone = resolve));

  constructor(options: ClusterWorkerOptions) {
    this.#o = options;
    const host = options.host.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
    this.id = `${host}-${options.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** Joins a run and serves it; resolves why it ended. Threads and temporary files are released by then. */
  async run(): Promise<WorkerExit> {
    const { clock, logger } = this.#o;
    while (!this.#keys) {
      const lease = await this.#waitForLease();
      if (!lease) return this.#done;
      if (await this.#join(lease)) break;
      if (this.#leaving.signal.aborted) return this.#done;
      logger.log('warning', `master of run ${lease.runId} did not answer within ${(this.#o.joinTimeoutMs ?? 10_000) / 1000}s; looking again`);
    }
    this.#masterSeenAt = clock.now();
    this.#timers.push(setInterval(() => void this.#heartbeat(), this.#o.heartbeatMs ?? 500));
    this.#timers.push(setInterval(() => void this.#watchMaster(), WATCH_MS));
    return this.#done;
  }

  /** Leaves the run: stops the users (3 s grace), sends their last statistics with a goodbye, releases everything. */
  leave(reason: string): void {
    this.#leaving.abort();
    if (!this.#keys) {
      void this.#finish('left');
      return;
    }
    void this.#stopAndLeave(reason, 'left');
  }

  async #waitForLease(): Promise<MasterLease | undefined> {
    const key = namespaceKeys(this.#o.namespace).master;
    let said = false;
    while (!this.#leaving.signal.aborted) {
      const raw = await this.#o.redis.get(key).catch(() => null);
      const lease = parseLease(raw);
      if (lease) return lease;
      if (raw !== null) this.#o.logger.log('warning', `worker ${this.id}: ignored a malformed master lease in ${key}`);
      else if (!said) this.#o.logger.log('info', `worker ${this.id}: waiting for a master on namespace '${this.#o.namespace}'`);
      said = true;
      await this.#o.clock.sleep(500, this.#leaving.signal);
    }
    return undefined;
  }

  /** Registers with the run and waits for its init; false when the master did not answer in time. */
  async #join(lease: MasterLease): Promise<boolean> {
    const keys = runKeys(this.#o.namespace, lease.runId);
    const gotInit = new Promise<void>((resolve) => (this.#gotInit = resolve));
    const auth = { runId: lease.runId, key: this.#o.clusterKey };
    this.#writer = new StreamWriter(this.#o.redis, this.id, auth);
    this.#reader = new StreamReader<ToWorker>(this.#o.redis, keys.down(this.id), (m, sender) => this.#onCommand(m, sender), this.#o.logger, { auth });
    this.#keys = keys;
    this.#runId = lease.runId;
    await this.#send({ type: 'register', host: this.#o.host, pid: this.#o.pid, threads: this.#o.threads });
    const timeout = this.#o.clock.sleep(this.#o.joinTimeoutMs ?? 10_000, this.#leaving.signal).then(() => false);
    if (await Promise.race([gotInit.then(() => true), timeout])) return true;
    await this.#reader.close();
    this.#reader = undefined;
    this.#keys = undefined;
    return false;
  }

  #send(message: DistributiveOmit<FromWorker, 'workerId'>): Promise<void> {
    if (!this.#keys || !this.#writer) return Promise.resolve();
    return this.#writer.send(this.#keys.up, { ...message, workerId: this.id }).catch((error: Error) =>
      this.#o.logger.log('warning', `worker ${this.id}: cannot reach Redis: ${error.message}`),
    );
  }

  #onCommand(m: ToWorker, sender: string | undefined): void {
    if ((sender !== undefined && sender !== 'master') || typeof m.type !== 'string') {
      this.#o.logger.log('warning', `worker ${this.id}: ignored a command from ${String(sender).slice(0, 60)}`);
      return;
    }
    if (m.type === 'init') {
      this.#gotInit?.();
      this.#initialized = this.#init(m);
      return;
    }
    if (m.type === 'reset') {
      // The master sends it once the previous test has stopped; the commands after it wait for the fresh threads.
      this.#initialized = this.#initialized.then(() => this.#reset(m));
      return;
    }
    // Commands wait for the script to load, and run in the order they were sent.
    void this.#initialized.then(() => this.#handle(m));
  }

  async #init(m: WorkerInit): Promise<void> {
    const { logger } = this.#o;
    this.#settings = m;
    try {
      if (!this.#bundle) {
        const text = await this.#o.redis.getBuffer(this.#keys!.bundle);
        if (!text) throw new Error('the script bundle is missing from Redis');
        this.#bundle = writeWorkerBundle(text.toString('utf8'), m.bundleHash, m.stampedeEntry);
      }
      const threads: UserThread[] = [];
      for (let i = 0; i < this.#o.threads; i++) {
        const init: ThreadInit = { threadId: i, bundlePath: this.#bundle.path, host: m.host, tags: m.tags, excludeTags: m.excludeTags, logLevel: m.logLevel, maxNames: m.maxNames, seed: m.seed, insecure: m.insecure, setupData: m.setupData };
        threads.push(this.#o.createThread(init));
      }
      this.#group = new LocalThreadGroup(threads, {
        onUserExited: (userId) => void this.#send({ type: 'user-exited', userId }),
        onArrivalDone: (scenario) => void this.#send({ type: 'arrival-done', scenario }),
        onLog: (l) => {
          logger.log(l.level, l.message, l.source);
          void this.#send({ type: 'log', level: l.level, source: l.source, message: l.message, time: l.time });
        },
      });
      await this.#group.waitReady();
      this.state = 'ready';
      logger.log('info', `worker ${this.id}: joined run ${this.#runId} with ${this.#o.threads} threads (script ${m.bundleHash.slice(0, 12)})`);
      await this.#send({ type: 'ready', bundleHash: m.bundleHash });
    } catch (error) {
      const message = (error as Error).message;
      logger.log('error', `worker ${this.id}: cannot load the script: ${message}`);
      await this.#send({ type: 'init-error', message });
      await this.#finish('init-failed');
    }
  }

  /** The master's next test (web UI): the old threads closed, fresh ones from the same bundle with the new host and seed. */
  async #reset(m: Extract<ToWorker, { type: 'reset' }>): Promise<void> {
    const group = this.#group;
    if (!group || !this.#settings || this.#finished) return;
    if (this.state === 'running') await group.stop(0);
    this.state = 'joining';
    this.#group = undefined;
    await group.close();
    if (this.#finished) return;
    await this.#init({ ...this.#settings, host: m.host, seed: m.seed });
    await this.#closeIfFinished();
  }

  /** Threads loaded after the worker ended (a signal during a reset) are closed at once. */
  async #closeIfFinished(): Promise<void> {
    if (this.#finished) await this.#group?.close();
  }

  async #handle(m: Exclude<ToWorker, WorkerInit>): Promise<void> {
    const group = this.#group;
    if (!group || this.#finished) return;
    switch (m.type) {
      case 'spawn':
        if (this.state === 'stopping' || this.state === 'stopped') return;
        this.state = 'running';
        for (const u of m.users) group.spawn(u);
        break;
      case 'start-arrival':
        if (this.state === 'stopping' || this.state === 'stopped') return;
        this.state = 'running';
        group.startArrival(unwirePlan(m.plan), m.share, m.gracefulStopMs);
        break;
      case 'stop-users':
        group.stopUsers(m.userIds);
        break;
      case 'snapshot': {
        // Within the master's tick budget, so the second closes with every worker's delta in it.
        const stats = await group.snapshot(600);
        await this.#send({ type: 'snapshot', seq: m.seq, stats, users: group.users });
        break;
      }
      case 'stop': {
        this.state = 'stopping';
        const stats = await group.stop(m.stopTimeoutMs);
        this.state = 'stopped';
        await this.#send({ type: 'stopped', stats });
        break;
      }
      case 'quit':
        this.#o.logger.log('info', `worker ${this.id}: the master ended the run`);
        if (this.state === 'running') await group.stop(0);
        await this.#finish('quit');
        break;
    }
  }

  async #heartbeat(): Promise<void> {
    if (this.#finished || this.#saidBye) return;
    await this.#send({ type: 'heartbeat', state: this.state, users: this.#group?.users ?? 0, ...this.#o.resources() });
  }

  /**
   * The master lives while its heartbeat moves. Only time with Redis answering counts against it: while Redis is
   * down the master cannot be seen, and after it is back the master gets the whole timeout to beat again. Redis
   * silent past the grace ends the worker too: its master stops the run then, and nobody would count its requests.
   */
  async #watchMaster(): Promise<void> {
    if (this.#finished || this.#watching || !this.#keys) return;
    this.#watching = true;
    try {
      const beat = await this.#readBeat(this.#keys.beat);
      const now = this.#o.clock.now();
      // Loading the script (or fresh threads between tests) sends no load: the master is watched once it is done.
      if (this.state === 'joining') {
        this.#masterSeenAt = now;
        return;
      }
      if (beat === undefined) {
        this.#redisDownSince ??= now;
        this.#masterSeenAt = now;
        const graceMs = this.#o.redisGraceMs ?? 10_000;
        if (now - this.#redisDownSince >= graceMs) {
          this.#o.logger.log('error', `worker ${this.id}: Redis has not answered for ${Math.round((now - this.#redisDownSince) / 1000)}s (--redis-grace ${graceMs / 1000}s); stopping`);
          await this.#stopAndLeave('redis lost', 'redis-lost', 0);
        }
        return;
      }
      if (this.#redisDownSince !== undefined) this.#o.logger.log('info', `worker ${this.id}: Redis answers again after ${((now - this.#redisDownSince) / 1000).toFixed(1)}s`);
      this.#redisDownSince = undefined;
      if (beat !== null && beat !== this.#lastBeat) {
        this.#lastBeat = beat;
        this.#masterSeenAt = now;
        return;
      }
      const timeoutMs = this.#o.masterTimeoutMs ?? 2000;
      if (now - this.#masterSeenAt >= timeoutMs) {
        this.#o.logger.log('warning', `worker ${this.id}: no heartbeat from the master for ${(timeoutMs / 1000).toFixed(1)}s; stopping`);
        await this.#stopAndLeave('master gone', 'master-gone', 0);
      }
    } finally {
      this.#watching = false;
    }
  }

  /** The heartbeat counter (null: no such key), or undefined when Redis does not answer in time. */
  async #readBeat(key: string): Promise<string | null | undefined> {
    const { redis } = this.#o;
    if (redis.status !== 'ready') return undefined;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), WATCH_READ_MS)));
    try {
      return await Promise.race([redis.get(key).catch(() => undefined), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #saidBye = false;
  #leavingNow = false;

  /** Stops the users (`stopTimeoutMs` for tasks in flight; 0 when nobody is left to count them) and says goodbye. */
  async #stopAndLeave(reason: string, exit: WorkerExit, stopTimeoutMs = 3000): Promise<void> {
    if (this.#finished || this.#leavingNow) return;
    this.#leavingNow = true;
    let stats: ThreadStats[] = [];
    if (this.#group && this.state !== 'stopped') {
      this.state = 'stopping';
      stats = await this.#group.stop(stopTimeoutMs);
      this.state = 'stopped';
    }
    // Nothing may follow the goodbye: a heartbeat timer firing while it is written would land after it.
    this.#saidBye = true;
    // Bounded: with Redis down the goodbye waits in the client's queue, and the worker must still end.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#send({ type: 'bye', reason, stats }), new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    await this.#finish(exit);
  }

  async #finish(exit: WorkerExit): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    for (const t of this.#timers) clearInterval(t);
    await this.#reader?.close();
    await this.#group?.close();
    this.#bundle?.dispose();
    this.#resolveDone(exit);
  }
}

/** Omit over each member of a union (plain Omit would merge the members). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
