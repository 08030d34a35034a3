import type { AbortLike } from './stop-latch.ts';

/**
 * The engine never reads the wall clock directly: it receives a Clock, so schedulers are tested on a fake clock
 * with exact counts (house style, after k6).
 */
export interface Clock {
  /** Monotonic time in milliseconds (fractional), like performance.now(). */
  now(): number;
  /** Wall-clock epoch milliseconds, for report timestamps only. */
  wallNow(): number;
  /** Resolves after `ms` milliseconds of this clock's time. A signal aborts the wait (resolves early). */
  sleep(ms: number, signal?: AbortLike): Promise<void>;
}

/** The real clock, on performance.now() and setTimeout. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  sleep(ms: number, signal?: AbortLike): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
