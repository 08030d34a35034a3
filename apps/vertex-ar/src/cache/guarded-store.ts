/**
 * The Redis cache made optional (issue 19): every operation has a short timeout, and one that fails or times
 * out is bypassed — a lookup becomes a miss served from the database, a fill is skipped — so a dead or slow
 * Redis costs a request at most the timeout. A {@link CircuitBreaker} stops trying after consecutive failures;
 * while it is open no request touches Redis, and after each cooldown one probe decides whether to use it again.
 *
 * Invalidations are what keep the cache correct, so one that cannot be done is not forgotten: its keys are
 * kept (up to {@link MAX_PENDING_KEYS}; past that, everything under the prefix is cleared instead), the circuit
 * opens at once, and the probe replays them before the cache serves a single read again.
 */
import type { AppMetrics } from '../metrics/metrics.ts';
import type { LogLine } from '../db/query-observer.ts';
import type { CacheStore, FillToken } from './cache-store.ts';
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker.ts';

/** A store the guard can probe and, after lost invalidations beyond the bound, clear. */
export interface ProbedStore extends CacheStore {
  ping(): Promise<void>;
  clear(): Promise<void>;
}

/** Options of {@link GuardedStore}. */
export interface GuardedStoreOptions extends Pick<CircuitBreakerOptions, 'failureThreshold' | 'cooldownMs' | 'now'> {
  /** An operation not done within this many ms is abandoned and bypassed; default {@link DEFAULT_CACHE_TIMEOUT_MS}. */
  timeoutMs?: number;
  metrics?: Pick<AppMetrics, 'cacheCircuitOpens' | 'cacheErrors' | 'cacheBypassed' | 'cacheCircuitSource'>;
  /** Circuit changes (opened, closed again); default none. */
  log?: (line: LogLine) => void;
}

/** Default operation timeout in ms. */
export const DEFAULT_CACHE_TIMEOUT_MS = 50;
/** Keys of lost invalidations kept for replay; past this the probe clears the whole prefix. */
export const MAX_PENDING_KEYS = 10_000;
// The token of a load that could not read the version: its fill is never attempted (Redis versions are integers).
const BYPASS_TOKEN = 'bypass';
// Replay rounds per probe: invalidations that keep failing to land faster than they are replayed keep it open.
const PROBE_ROUNDS = 3;

class CacheTimeoutError extends Error {
  constructor(ms: number) {
    super(`cache operation timed out after ${ms} ms`);
    this.name = 'CacheTimeoutError';
  }
}

/** `promise`, or a rejection after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CacheTimeoutError(ms)), ms);
  });
  // race() subscribes to `promise`, so its late rejection is handled, never "unhandled".
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A {@link CacheStore} that never fails and never waits longer than its timeout. */
export class GuardedStore implements CacheStore {
  readonly kind: CacheStore['kind'];
  readonly #inner: ProbedStore;
  readonly #timeoutMs: number;
  readonly #probeTimeoutMs: number;
  readonly #breaker: CircuitBreaker;
  readonly #metrics: GuardedStoreOptions['metrics'];
  readonly #pending = new Set<string>();
  #clearAll = false;
  #probing: Promise<void> | undefined;

  constructor(inner: ProbedStore, options: GuardedStoreOptions = {}) {
    this.kind = inner.kind;
    this.#inner = inner;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_CACHE_TIMEOUT_MS;
    // The probe replays invalidations and may clear: more work than a lookup, and no request waits for it.
    this.#probeTimeoutMs = Math.max(1000, this.#timeoutMs * 10);
    this.#metrics = options.metrics;
    const log = options.log;
    let wasClosed = true;
    this.#breaker = new CircuitBreaker({
      ...options,
      onChange: (state: CircuitState, reason: string) => {
        if (state === 'open' && wasClosed) {
          this.#metrics?.cacheCircuitOpens.inc();
          log?.({ level: 'warn', msg: 'cache circuit open: requests are served from the database', reason });
        } else if (state === 'closed') log?.({ level: 'info', msg: 'cache circuit closed: the cache is used again' });
        wasClosed = state === 'closed';
      },
    });
    if (this.#metrics) this.#metrics.cacheCircuitSource = () => (this.#breaker.state === 'closed' ? 0 : 1);
  }

  /** The breaker's state (for tests and health). */
  get circuit(): CircuitState {
    return this.#breaker.state;
  }

  get(key: string, field: string): Promise<unknown> {
    return this.#guard(() => this.#inner.get(key, field), undefined);
  }

  token(key: string): Promise<FillToken> {
    return this.#guard(() => this.#inner.token(key), BYPASS_TOKEN);
  }

  async fill(key: string, field: string, value: unknown, token: FillToken): Promise<void> {
    if (token === BYPASS_TOKEN) return;
    await this.#guard(() => this.#inner.fill(key, field, value, token), undefined);
  }

  async invalidate(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    if (!this.#breaker.allows()) {
      this.#remember(keys);
      this.#bypassed('circuit_open');
      return;
    }
    try {
      await withTimeout(this.#inner.invalidate(keys), this.#timeoutMs);
      this.#breaker.succeeded();
    } catch (err) {
      // The write is done in the database; what must not happen is a read of the old value from the cache.
      this.#remember(keys);
      this.#failed(err);
      this.#breaker.open(`an invalidation failed: ${(err as Error).message}`);
    }
  }

  /** `ok` when the cache answers, `degraded` when requests are bypassing it. Probes when a probe is due. */
  async check(): Promise<'ok' | 'degraded'> {
    if (this.#breaker.probeDue()) this.#probe();
    if (this.#probing) await this.#probing;
    if (!this.#breaker.allows()) return 'degraded';
    return (await this.#guard(() => this.#inner.ping().then(() => true), false)) ? 'ok' : 'degraded';
  }

  /** Starts the circuit open (Redis unreachable at start): requests use the database until a probe succeeds. */
  startOpen(reason: string): void {
    this.#breaker.open(reason);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #guard<T>(op: () => Promise<T>, fallback: T): Promise<T> {
    if (!this.#breaker.allows()) {
      this.#bypassed('circuit_open');
      if (this.#breaker.probeDue()) this.#probe();
      return fallback;
    }
    try {
      const value = await withTimeout(op(), this.#timeoutMs);
      this.#breaker.succeeded();
      return value;
    } catch (err) {
      this.#failed(err);
      this.#breaker.failed((err as Error).message);
      return fallback;
    }
  }

  #failed(err: unknown): void {
    this.#metrics?.cacheErrors.inc({ kind: err instanceof CacheTimeoutError ? 'timeout' : 'error' });
    this.#bypassed('failed');
  }

  #bypassed(reason: 'failed' | 'circuit_open'): void {
    this.#metrics?.cacheBypassed.inc({ reason });
  }

  #remember(keys: readonly string[]): void {
    if (this.#clearAll) return;
    for (const key of keys) this.#pending.add(key);
    if (this.#pending.size > MAX_PENDING_KEYS) {
      this.#pending.clear();
      this.#clearAll = true;
    }
  }

  /** Half-open: replay lost invalidations, then one round trip; closes the circuit only when nothing is left. */
  #probe(): void {
    this.#probing = (async () => {
      try {
        for (let round = 0; round < PROBE_ROUNDS; round++) {
          if (this.#clearAll || this.#pending.size > 0) await this.#replay();
          else {
            await withTimeout(this.#inner.ping(), this.#probeTimeoutMs);
            // Nothing was lost while the ping was on the wire: safe to read from the cache again.
            if (!this.#clearAll && this.#pending.size === 0) {
              this.#breaker.probed(true);
              return;
            }
          }
        }
        this.#breaker.probed(false, 'invalidations kept failing to land');
      } catch (err) {
        this.#metrics?.cacheErrors.inc({ kind: err instanceof CacheTimeoutError ? 'timeout' : 'error' });
        this.#breaker.probed(false, (err as Error).message);
      } finally {
        this.#probing = undefined;
      }
    })();
  }

  async #replay(): Promise<void> {
    const clearAll = this.#clearAll;
    const keys = [...this.#pending];
    this.#clearAll = false;
    this.#pending.clear();
    try {
      await withTimeout(clearAll ? this.#inner.clear() : this.#inner.invalidate(keys), this.#probeTimeoutMs);
    } catch (err) {
      if (clearAll) this.#clearAll = true;
      else this.#remember(keys);
      throw err;
    }
  }
}
