/**
 * The `node:cluster` primary: migrates once, forks the workers, replaces any that dies, relays cache
 * invalidations and metrics aggregation, holds the one failed-login limiter, and on SIGTERM/SIGINT stops the workers gracefully. Workers
 * share the listening socket through the primary (round-robin on Linux).
 */
import cluster, { type Worker } from 'node:cluster';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AggregatorRegistry } from 'prom-client';
import { applyLoginOp, LoginLimiter } from '../../auth/login-limiter.ts';
import { openStorage, reconcileAtStart } from '../../build-context.ts';
import { openDatabase } from '../../db/open-database.ts';
import { bootstrapAdmin } from '../bootstrap/admin-bootstrap.ts';
import { InvalidationRelay } from './invalidation-relay.ts';
import { isVertexMessage, type PrimaryMessage, type WorkerMessage } from './ipc-messages.ts';
import { resolveJwtSecret } from '../config/jwt-secret.ts';
import type { ServerOptions } from './start-server.ts';
import { DEFAULT_TUNING } from '../config/tuning.ts';

/** A running cluster. */
export interface RunningCluster {
  url: string;
  /** Signals every worker to shut down gracefully; resolves true when all stopped within the timeout. */
  close(): Promise<boolean>;
}

/** Options of {@link runPrimary}. */
export interface PrimaryOptions {
  /** One-line messages (worker deaths, replacements). */
  log: (message: string) => void;
  /** Restarts allowed within `crashWindowMs` before the primary gives up; default 10 in 10 s. */
  maxCrashes?: number;
  crashWindowMs?: number;
}

/** Migrations, the JWT secret, the admin account and the storage reconciliation: once, before any worker exists. */
async function prepare(options: ServerOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  await resolveJwtSecret(dataDir, options.jwtSecret);
  const repos = await openDatabase({
    postgresUrl: options.postgresUrl,
    sqliteFile: resolve(options.sqliteFile ?? join(dataDir, 'vertex-ar.sqlite')),
    slowQueryMs: -1,
  });
  try {
    if (options.adminUsername && options.adminPassword) await bootstrapAdmin(repos, options.adminUsername, options.adminPassword);
    const storage = await openStorage(options, dataDir);
    try {
      await reconcileAtStart(storage, repos, true, options.log ?? ((line) => process.stderr.write(JSON.stringify(line) + '\n')));
    } finally {
      storage.close?.();
    }
  } finally {
    await repos.close();
  }
}

/** Starts the cluster; resolves once every initial worker listens. */
export async function runPrimary(options: ServerOptions, primary: PrimaryOptions): Promise<RunningCluster> {
  const tuning = options.tuning ?? DEFAULT_TUNING;
  await prepare(options);
  const aggregator = new AggregatorRegistry();
  const relay = new InvalidationRelay({ log: primary.log });
  const loginLimiter = new LoginLimiter(options.loginLimit);
  const crashes: number[] = [];
  let stopping = false;
  let url = '';
  let listening = 0;
  let started!: () => void;
  let failed!: (err: Error) => void;
  const ready = new Promise<void>((res, rej) => { started = res; failed = rej; });

  const onMessage = (worker: Worker, message: unknown) => {
    if (!isVertexMessage(message)) return;
    const m = message as WorkerMessage;
    const reply = (r: Omit<Extract<PrimaryMessage, { vx: 'reply' }>, 'vx'>) => worker.isConnected() && worker.send({ vx: 'reply', ...r });
    if (m.vx === 'hello') {
      relay.addWorker(worker);
      reply({ id: m.id });
    } else if (m.vx === 'listening') {
      url ||= m.url;
      if (++listening === tuning.workers) started();
    } else if (m.vx === 'invalidate') relay.relay(worker, m.id, m.keys);
    else if (m.vx === 'ack') relay.ack(worker, m.id);
    else if (m.vx === 'login') reply({ id: m.id, retryAfter: applyLoginOp(loginLimiter, m.op, m.address, m.username) });
    else if (m.vx === 'metrics') {
      aggregator.clusterMetrics().then(
        (body) => reply({ id: m.id, body, contentType: aggregator.contentType }),
        (err: Error) => reply({ id: m.id, error: err.message }),
      );
    }
  };

  const onExit = (worker: Worker, code: number | null, signal: string | null) => {
    relay.removeWorker(worker);
    if (stopping) return;
    const now = Date.now();
    crashes.push(now);
    while (crashes.length && now - crashes[0] > (primary.crashWindowMs ?? 10_000)) crashes.shift();
    if (listening < tuning.workers) {
      failed(new Error(`worker ${worker.id} exited (${signal ?? `code ${code}`}) during start`));
      return;
    }
    if (crashes.length > (primary.maxCrashes ?? 10)) {
      primary.log(`${crashes.length} worker deaths within ${(primary.crashWindowMs ?? 10_000) / 1000} s; giving up`);
      void close().then(() => process.exit(1));
      return;
    }
    primary.log(`worker ${worker.id} (pid ${worker.process.pid}) died (${signal ?? `code ${code}`}); starting a replacement`);
    cluster.fork();
  };

  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  for (let i = 0; i < tuning.workers; i++) cluster.fork();

  let closing: Promise<boolean> | undefined;
  const close = (): Promise<boolean> => (closing ??= new Promise<boolean>((done) => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (workers.length === 0) return done(true);
    let left = workers.length;
    let graceful = true;
    // Workers cut their own connections at the graceful timeout; this is the backstop if one hangs.
    const backstop = setTimeout(() => {
      graceful = false;
      for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
    }, tuning.gracefulShutdownTimeoutMs + 5000);
    for (const w of workers) {
      w.once('exit', (code) => {
        if (code !== 0) graceful = false;
        if (--left === 0) {
          clearTimeout(backstop);
          done(graceful);
        }
      });
      w.process.kill('SIGTERM');
    }
  }));

  try {
    await ready;
  } catch (err) {
    await close();
    throw err;
  }
  return { url, close };
}
