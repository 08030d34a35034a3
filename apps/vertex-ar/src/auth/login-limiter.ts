/**
 * Failed-login limiting: counts FAILED attempts per (address, username) in a fixed window. Successful
 * logins are never counted, so a load test logging in many users from one address is never throttled.
 * Memory is bounded: at most `maxTrackedKeys` counters, least recently used evicted first. In a cluster the one
 * limiter lives in the primary and workers consult it over IPC ({@link loginLimitVia}), so the limit is the same
 * whatever the number of workers.
 */
import { LRUCache } from 'lru-cache';

/** Options for {@link LoginLimiter}. */
export interface LoginLimiterOptions {
  /** Failed attempts allowed per window before 429. */
  maxFailures?: number;
  /** Window length in ms. */
  windowMs?: number;
  maxTrackedKeys?: number;
  /** Clock in ms, injectable for tests. */
  now?: () => number;
}

interface Counter {
  failures: number;
  windowEndsAt: number;
}

/** Tracks failed logins and says when a key is blocked. */
export class LoginLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #counters: LRUCache<string, Counter>;

  constructor(options: LoginLimiterOptions = {}) {
    this.#max = options.maxFailures ?? 10;
    this.#windowMs = options.windowMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
    this.#counters = new LRUCache({ max: options.maxTrackedKeys ?? 100_000 });
  }

  /** Seconds until `address`+`username` may try again, or 0 when not blocked. */
  retryAfterSeconds(address: string, username: string): number {
    const c = this.#live(address, username);
    if (!c || c.failures < this.#max) return 0;
    return Math.max(1, Math.ceil((c.windowEndsAt - this.#now()) / 1000));
  }

  /** Records one failed attempt. */
  recordFailure(address: string, username: string): void {
    const key = keyOf(address, username);
    const c = this.#live(address, username);
    if (c) c.failures += 1;
    else this.#counters.set(key, { failures: 1, windowEndsAt: this.#now() + this.#windowMs });
  }

  /** Forgets failures after a success, so a user who finally remembers is not punished later. */
  recordSuccess(address: string, username: string): void {
    this.#counters.delete(keyOf(address, username));
  }

  #live(address: string, username: string): Counter | undefined {
    const key = keyOf(address, username);
    const c = this.#counters.get(key);
    if (c && c.windowEndsAt <= this.#now()) {
      this.#counters.delete(key);
      return undefined;
    }
    return c;
  }
}

function keyOf(address: string, username: string): string {
  return `${address}\u0000${username.toLowerCase()}`;
}

/** One operation on a login limit, as a worker asks the cluster primary for it. */
export type LoginLimitOp = 'check' | 'failure' | 'success';

/** Failed-login limiting as the login route uses it: in this process, or held by the cluster primary. */
export interface LoginLimit {
  /** Seconds until `address`+`username` may try again, or 0 when not blocked. */
  retryAfterSeconds(address: string, username: string): Promise<number>;
  recordFailure(address: string, username: string): Promise<void>;
  recordSuccess(address: string, username: string): Promise<void>;
}

/** Applies one operation to `limiter`: the answer is the retry-after seconds for `check`, else 0. */
export function applyLoginOp(limiter: LoginLimiter, op: LoginLimitOp, address: string, username: string): number {
  if (op === 'check') return limiter.retryAfterSeconds(address, username);
  if (op === 'failure') limiter.recordFailure(address, username);
  else limiter.recordSuccess(address, username);
  return 0;
}

/** A limit over a limiter of this process. */
export function localLoginLimit(limiter: LoginLimiter): LoginLimit {
  return loginLimitVia(async (op, address, username) => applyLoginOp(limiter, op, address, username));
}

/** A limit whose every operation goes through `send` (a cluster worker: to the primary's limiter). */
export function loginLimitVia(send: (op: LoginLimitOp, address: string, username: string) => Promise<number>): LoginLimit {
  return {
    retryAfterSeconds: (address, username) => send('check', address, username),
    recordFailure: async (address, username) => void (await send('failure', address, username)),
    recordSuccess: async (address, username) => void (await send('success', address, username)),
  };
}
