/**
 * Builds an {@link AppContext} from {@link AppOptions}: metrics, database (SQLite or PostgreSQL),
 * storage (local or S3), and the cache (in-process LRU, relayed across cluster workers, or Redis).
 */
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { AppOptions } from './app.ts';
import type { AppContext, UploadLimits } from './context.ts';
import { LoginLimiter, localLoginLimit, loginLimitVia } from './auth/login-limiter.ts';
import { ViewCounter } from './ar/view-counter.ts';
import { CacheManager } from './cache/cache-manager.ts';
import { LruStore, NoCacheStore, type CacheStore } from './cache/cache-store.ts';
import { withCache } from './db/cached-repositories.ts';
import { openDatabase } from './db/open-database.ts';
import type { LogLine } from './db/query-observer.ts';
import { createMetrics, type AppMetrics } from './metrics/metrics.ts';
import { InstrumentedStorage } from './storage/instrumented-storage.ts';
import { LocalStorage } from './storage/local-storage.ts';
import type { Storage } from './storage/storage.ts';
import { reconcileStorage, reconciledAnything } from './storage/reconcile.ts';
import type { Repositories } from './db/repositories.ts';
import { DEFAULT_TUNING, tuningView } from './server/config/tuning.ts';
import { defaultPortraitGenerator } from './uploads/portrait-generator.ts';

/** Default upload limits in bytes. */
export const DEFAULT_LIMITS: UploadLimits = { imageMaxBytes: 20 * 1024 * 1024, videoMaxBytes: 200 * 1024 * 1024 };

/** The configured storage backend (not instrumented), ready for use. */
export async function openStorage(options: AppOptions, dataDir: string): Promise<Storage> {
  if (options.s3) {
    // Loaded on demand: the AWS SDK adds most of a second to every worker's start.
    const { S3Storage } = await import('./storage/s3-storage.ts');
    return new S3Storage(options.s3);
  }
  const local = new LocalStorage(resolve(options.storageDir ?? join(dataDir, 'files')));
  await local.init();
  return local;
}

/**
 * Redis behind the guard (timeout, bypass, circuit breaker). A Redis that does not answer at start is not fatal:
 * the cache is optional, so the API starts with the circuit open and serves from the database until a probe
 * reaches Redis.
 */
async function openRedisCache(options: AppOptions, url: string, ttlMs: number, metrics: AppMetrics): Promise<CacheStore> {
  const [{ RedisStore }, { GuardedStore, DEFAULT_CACHE_TIMEOUT_MS }] = await Promise.all([import('./cache/redis-store.ts'), import('./cache/guarded-store.ts')]);
  const log = defaultLog(options);
  const timeoutMs = options.cacheTimeoutMs ?? DEFAULT_CACHE_TIMEOUT_MS;
  const redis = new RedisStore({ url, prefix: options.cachePrefix, ttlMs, commandTimeoutMs: timeoutMs });
  const guarded = new GuardedStore(redis, {
    timeoutMs, failureThreshold: options.cacheBreakerThreshold, cooldownMs: options.cacheBreakerCooldownMs, metrics, log,
  });
  try {
    await redis.connect();
  } catch (err) {
    guarded.startOpen(`Redis unreachable at start: ${(err as Error).message}`);
  }
  return guarded;
}

async function openCache(options: AppOptions, metrics: AppMetrics): Promise<CacheStore> {
  const ttlMs = options.cacheTtlMs ?? 60_000;
  if (options.cacheUrl === 'none') return new NoCacheStore();
  if (options.cacheUrl) return openRedisCache(options, options.cacheUrl, ttlMs, metrics);
  const link = options.cluster;
  const lru = new LruStore({
    maxEntries: options.cacheMaxEntries,
    ttlMs,
    onEvict: (key) => metrics.cacheEvictions.inc({ cache: key.slice(0, key.indexOf(':')) }),
    broadcast: link ? (keys) => link.broadcastInvalidation(keys) : undefined,
  });
  link?.onInvalidation((keys) => lru.dropLocal(keys));
  return lru;
}

function defaultLog(options: AppOptions): (line: LogLine) => void {
  return options.log ?? ((line: LogLine) => process.stderr.write(JSON.stringify(line) + '\n'));
}

/**
 * Settles what a crash left in storage (`storage/reconcile.ts`) before any request is served, with one log line
 * carrying the counts when anything was found.
 */
export async function reconcileAtStart(storage: Storage, repos: Repositories, full: boolean, log: (line: LogLine) => void): Promise<void> {
  const report = await reconcileStorage(storage, repos, { full });
  if (reconciledAnything(report)) log({ level: 'warn', msg: 'storage reconciled with the database after an unclean stop', ...report });
}

/** Opens everything an app needs; on failure closes what was opened. */
export async function createContext(options: AppOptions): Promise<AppContext> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const metrics = createMetrics({ defaults: options.defaultMetrics ?? true });
  const storage = new InstrumentedStorage(await openStorage(options, dataDir), metrics);
  const repos = await openDatabase({
    postgresUrl: options.postgresUrl,
    sqliteFile: resolve(options.sqliteFile ?? join(dataDir, 'vertex-ar.sqlite')),
    poolSize: options.poolSize,
    acquireTimeoutMs: options.acquireTimeoutMs,
    slowQueryMs: options.slowQueryMs,
    migrate: options.migrate,
    metrics,
    log: options.log,
  }).catch((err) => {
    storage.close();
    throw err;
  });
  // A cluster worker settles only the staged uploads of dead processes: its siblings may be serving, and the primary
  // did the full sweep before forking.
  await reconcileAtStart(storage, repos, !options.cluster, defaultLog(options)).catch(async (err) => {
    storage.close();
    await repos.close();
    throw err;
  });
  const store = await openCache(options, metrics).catch(async (err) => {
    storage.close();
    await repos.close();
    throw err;
  });
  const cache = new CacheManager(store, metrics);
  const cachedRepos = withCache(repos, cache);
  const views = new ViewCounter((counts) => cachedRepos.portraits.addViews(counts), { flushIntervalMs: options.viewFlushIntervalMs });
  const tuning = options.tuning ?? DEFAULT_TUNING;
  return {
    repos: cachedRepos,
    storage,
    cache,
    metrics,
    views,
    loginLimiter: options.cluster ? loginLimitVia(options.cluster.login) : localLoginLimit(new LoginLimiter(options.loginLimit)),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    generatePortraitAssets: options.generatePortraitAssets ?? defaultPortraitGenerator,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 86_400,
    now: options.now ?? Date.now,
    settings: { ...tuningView(tuning), db: repos.dialect, cache: store.kind, storage: storage.backend },
    worker: { id: options.cluster?.workerId ?? 0, pid: process.pid },
  };
}
