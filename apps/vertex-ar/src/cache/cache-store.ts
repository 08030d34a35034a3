/**
 * Cache backends. A store holds entries `key → field → value` (a field lets one key hold the pages of a
 * list, so one invalidation drops them all) and guards fills with a version token: a reader takes the
 * token before it loads from the database and its fill is dropped if the key was invalidated meanwhile.
 * Without that guard a read racing a write could cache the pre-write row after the write's invalidation.
 */
import { LRUCache } from 'lru-cache';

/** The named caches (issue #8): user profiles, client lists, portrait metadata, AR content. */
export type CacheName = 'user' | 'clients' | 'portrait' | 'ar';

/** The version of a key read before a load (opaque to callers). */
export type FillToken = number | string;

/** A cache backend. Values are JSON-serialisable objects. */
export interface CacheStore {
  readonly kind: 'lru' | 'redis' | 'none';
  /** The cached value, or undefined. */
  get(key: string, field: string): Promise<unknown>;
  /** The cached value without waiting, where the store holds it in this process; absent otherwise. */
  peek?(key: string, field: string): unknown;
  /** The token to pass to {@link fill} after loading `key` from the source of truth. */
  token(key: string): Promise<FillToken>;
  /** Stores the value unless `key` was invalidated since `token` was taken. */
  fill(key: string, field: string, value: unknown, token: FillToken): Promise<void>;
  /** Drops the keys everywhere they may be cached; resolves only once they are gone (read-your-writes). */
  invalidate(keys: readonly string[]): Promise<void>;
  /** For readiness: `degraded` when requests are going without the cache. Absent: always `ok` (in-process). */
  check?(): Promise<'ok' | 'degraded'>;
  close(): Promise<void>;
}

/** The cache a key belongs to: its prefix before the first `:`. */
export function cacheNameOf(key: string): CacheName {
  return key.slice(0, key.indexOf(':')) as CacheName;
}

/** Options of {@link LruStore}. */
export interface LruStoreOptions {
  /** Maximum number of keys; default 10 000. */
  maxEntries?: number;
  /** Entry lifetime in ms, a safety net (correctness comes from invalidation); default 60 000. */
  ttlMs?: number;
  /** Called when the size bound evicts a key. */
  onEvict?: (key: string) => void;
  /**
   * Tells the other cluster workers to drop keys; resolves when every one has (primary-relayed IPC
   * with acks). Absent in a single process.
   */
  broadcast?: (keys: readonly string[]) => Promise<void>;
}

/** In-process LRU (lru-cache). Under `node:cluster`, invalidations reach every worker through `broadcast`. */
export class LruStore implements CacheStore {
  readonly kind = 'lru';
  readonly #lru: LRUCache<string, Map<string, unknown>>;
  readonly #broadcast: LruStoreOptions['broadcast'];
  // One generation for the whole store (not per key) keeps memory bounded; the cost of a bump is an
  // occasionally skipped fill while writes are frequent.
  #generation = 0;

  constructor(options: LruStoreOptions = {}) {
    const onEvict = options.onEvict;
    this.#lru = new LRUCache<string, Map<string, unknown>>({
      max: options.maxEntries ?? 10_000,
      ttl: options.ttlMs ?? 60_000,
      dispose: onEvict ? (_v, key, reason) => { if (reason === 'evict') onEvict(key); } : undefined,
    });
    this.#broadcast = options.broadcast;
  }

  async get(key: string, field: string): Promise<unknown> {
    return this.#lru.get(key)?.get(field);
  }

  peek(key: string, field: string): unknown {
    return this.#lru.get(key)?.get(field);
  }

  async token(): Promise<FillToken> {
    return this.#generation;
  }

  async fill(key: string, field: string, value: unknown, token: FillToken): Promise<void> {
    if (token !== this.#generation) return;
    const fields = this.#lru.get(key);
    if (fields) fields.set(field, value);
    else this.#lru.set(key, new Map([[field, value]]));
  }

  async invalidate(keys: readonly string[]): Promise<void> {
    this.dropLocal(keys);
    await this.#broadcast?.(keys);
  }

  /** Drops keys in this process only (what a relayed invalidation from another worker does). */
  dropLocal(keys: readonly string[]): void {
    this.#generation++;
    for (const key of keys) this.#lru.delete(key);
  }

  async close(): Promise<void> {
    this.#lru.clear();
  }
}

/** No caching at all (`--cache none`): every read goes to the database. For measuring what the cache buys. */
export class NoCacheStore implements CacheStore {
  readonly kind = 'none';
  async get(): Promise<unknown> {
    return undefined;
  }
  async token(): Promise<FillToken> {
    return 0;
  }
  async fill(): Promise<void> {}
  async invalidate(): Promise<void> {}
  async close(): Promise<void> {}
}
