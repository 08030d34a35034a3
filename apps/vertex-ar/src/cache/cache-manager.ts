/**
 * The cache manager: read-through lookups over a {@link CacheStore}, with hits and misses counted per
 * named cache. Writers call {@link CacheManager.invalidate} and await it before answering, which is what
 * makes a write visible to every later read on every worker.
 */
import type { Counter } from 'prom-client';
import { cacheNameOf, type CacheName, type CacheStore } from './cache-store.ts';

/** The counters the manager feeds; hits are read from it at scrape time through `cacheHitSource`. */
export interface CacheCounters {
  cacheHitSource: () => Iterable<readonly [string, number]>;
  cacheMisses: Counter<'cache'>;
  cacheInvalidations: Counter<'cache'>;
}

const NAMES: readonly CacheName[] = ['user', 'clients', 'portrait', 'ar'];

/** Read-through cache with metrics. */
export class CacheManager {
  readonly store: CacheStore;
  readonly #counters: CacheCounters;
  // Prebuilt label objects: nothing allocated per lookup.
  readonly #labels = new Map(NAMES.map((n) => [n, { cache: n }]));
  // Hits by cache as plain numbers, read by the `cache_hits_total` collector: a hit is the hot path.
  readonly #hits = new Map(NAMES.map((n) => [n, { n: 0 }]));

  constructor(store: CacheStore, counters: CacheCounters) {
    this.store = store;
    this.#counters = counters;
    counters.cacheHitSource = () => [...this.#hits].map(([name, hits]) => [name, hits.n] as const);
  }

  /** `key`'s `field` from the cache, else from `load` (filled unless invalidated meanwhile). */
  async getOrLoad<V>(key: string, field: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const cached = await this.store.get(key, field);
    if (cached !== undefined) {
      this.#hits.get(cacheNameOf(key))!.n++;
      return cached as V;
    }
    this.#counters.cacheMisses.inc(this.#labels.get(cacheNameOf(key))!);
    const token = await this.store.token(key);
    const value = await load();
    if (value !== undefined) await this.store.fill(key, field, value, token);
    return value;
  }

  /**
   * `key`'s `field` when the store can answer without waiting (the in-process LRU), counted as a hit; undefined
   * otherwise, and then nothing is counted: the caller goes on with {@link getOrLoad}. The hot read path saves
   * the promise hops of a lookup the LRU answers synchronously anyway.
   */
  peek<V>(key: string, field: string): V | undefined {
    const cached = this.store.peek?.(key, field);
    if (cached !== undefined) this.#hits.get(cacheNameOf(key))!.n++;
    return cached as V | undefined;
  }

  /** Drops keys on every worker; resolves once done. */
  async invalidate(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    for (const key of keys) this.#counters.cacheInvalidations.inc(this.#labels.get(cacheNameOf(key))!);
    await this.store.invalidate(keys);
  }

  /** `ok`, or `degraded` while requests bypass the cache (a Redis that fails, times out or has its circuit open). */
  async check(): Promise<'ok' | 'degraded'> {
    return (await this.store.check?.()) ?? 'ok';
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
