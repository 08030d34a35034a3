/**
 * Failed-login limiting: counts FAILED attempts per (address, username) in a fixed window. Successful
 * logins are never counted, so a load test logging in many users from one address is never throttled.
 * Memory is bounded: at most `maxTrackedKeys` counters, least recently used evicted first.
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
