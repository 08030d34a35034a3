/**
 * A small cache interface. Async so a shared backend (Redis, a later issue) can implement it too;
 * `delete` resolves only once the entry is gone, which is what read-your-writes relies on.
 */
import { LRUCache } from 'lru-cache';

/** A key-value cache of JSON-serialisable values. */
export interface Cache<V extends object> {
  get(key: string): Promise<V | undefined>;
  set(key: string, value: V): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Options for {@link LruCache}. */
export interface LruCacheOptions {
  /** Maximum number of entries. */
  maxEntries?: number;
  /** Entry lifetime in ms, a safety net: correctness comes from invalidation, not expiry. */
  ttlMs?: number;
}

/** In-process LRU cache (lru-cache). Correct for a single process; several workers need a shared cache. */
export class LruCache<V extends object> implements Cache<V> {
  readonly #lru: LRUCache<string, V>;

  constructor(options: LruCacheOptions = {}) {
    this.#lru = new LRUCache<string, V>({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? 5 * 60_000 });
  }

  async get(key: string): Promise<V | undefined> {
    return this.#lru.get(key);
  }

  async set(key: string, value: V): Promise<void> {
    this.#lru.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.#lru.delete(key);
  }

  async close(): Promise<void> {
    this.#lru.clear();
  }
}
