/**
 * Redis cache backend (ioredis), shared by every worker and replica. Each key has a version counter
 * `<prefix>v:<key>`: invalidation bumps it and deletes the entry in one MULTI, and a fill is a Lua
 * script that writes only if the version is still the one read before the load.
 *
 * The client is set up so that a dead Redis never makes a request wait (issue 19): no offline queue (a command
 * while disconnected fails at once instead of waiting for a reconnect), no retries of a request's command, a
 * command timeout, and reconnection in the background at most a second apart. What to do when a command fails
 * is decided above it, in `guarded-store.ts` (bypass, circuit breaker).
 */
import { Redis } from 'ioredis';
import type { CacheStore, FillToken } from './cache-store.ts';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** Prefix of every key (isolates tests and deployments sharing a server); default `vertex-ar:`. */
  prefix?: string;
  /** Entry lifetime in ms; default 60 000. */
  ttlMs?: number;
  /** A command not answered within this many ms fails (ioredis `commandTimeout`). */
  commandTimeoutMs: number;
}

// How long a connection attempt may take (ioredis default: 10 s), and the longest pause between reconnects.
const CONNECT_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 1000;
// Keys deleted per SCAN round by clear().
const CLEAR_BATCH = 500;

const FILL_SCRIPT = `
if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return 0`;

type FillCommand = (entryKey: string, versionKey: string, token: string, field: string, json: string, ttlMs: number) => Promise<number>;

/** A cache in Redis hashes. */
export class RedisStore implements CacheStore {
  readonly kind = 'redis';
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;
  // A version must outlive any load that read it; ten entry lifetimes is far beyond a request.
  readonly #versionTtlMs: number;

  constructor(options: RedisStoreOptions) {
    this.#redis = new Redis(options.url, {
      lazyConnect: true,
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    });
    // Connection errors are also reported by the commands that fail on them, which is where they are counted
    // (guarded-store.ts); without a listener ioredis prints each reconnect failure on stderr.
    this.#redis.on('error', () => {});
    this.#redis.defineCommand('vertexFill', { numberOfKeys: 2, lua: FILL_SCRIPT });
    this.#prefix = options.prefix ?? 'vertex-ar:';
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#versionTtlMs = this.#ttlMs * 10;
  }

  /** Connects (once, before use); rejects when Redis does not answer, and keeps reconnecting in the background. */
  async connect(): Promise<void> {
    await this.#redis.connect();
  }

  /** One round trip; rejects when Redis does not answer. */
  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  /** Deletes every key under the prefix (entries and versions), in SCAN batches. */
  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${this.#prefix}*`, 'COUNT', CLEAR_BATCH);
      if (keys.length > 0) await this.#redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async get(key: string, field: string): Promise<unknown> {
    const json = await this.#redis.hget(this.#prefix + key, field);
    return json === null ? undefined : JSON.parse(json);
  }

  async token(key: string): Promise<FillToken> {
    return (await this.#redis.get(`${this.#prefix}v:${key}`)) ?? '0';
  }

  async fill(key: string, field: string, value: unknown, token: FillToken): Promise<void> {
    const fill = (this.#redis as unknown as { vertexFill: FillCommand }).vertexFill;
    await fill.call(this.#redis, this.#prefix + key, `${this.#prefix}v:${key}`, String(token), field, JSON.stringify(value), this.#ttlMs);
  }

  async invalidate(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const multi = this.#redis.multi();
    for (const key of keys) {
      const versionKey = `${this.#prefix}v:${key}`;
      multi.incr(versionKey).pexpire(versionKey, this.#versionTtlMs).del(this.#prefix + key);
    }
    await multi.exec();
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
