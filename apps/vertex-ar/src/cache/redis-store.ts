/**
 * Redis cache backend (ioredis), shared by every worker and replica. Each key has a version counter
 * `<prefix>v:<key>`: invalidation bumps it and deletes the entry in one MULTI, and a fill is a Lua
 * script that writes only if the version is still the one read before the load.
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
}

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
    this.#redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: true });
    this.#redis.defineCommand('vertexFill', { numberOfKeys: 2, lua: FILL_SCRIPT });
    this.#prefix = options.prefix ?? 'vertex-ar:';
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#versionTtlMs = this.#ttlMs * 10;
  }

  /** Connects; call once before use so a wrong URL fails at start, not on the first request. */
  async connect(): Promise<void> {
    await this.#redis.connect();
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
