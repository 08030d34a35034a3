/**
 * Waiting until an absolute time on a Clock, precisely. Plain setTimeout fires −0.2 to +0.35 ms off its target
 * (measured on Node 20 at 5 ms spacing), and never before 1 ms. This timer learns how late the clock's sleeps fire
 * (a moving average), asks for that much less, and with `spinMs` > 0 covers the last stretch by yielding to the
 * event loop (setImmediate turns, which still serve I/O) until the deadline. On a fake clock (spinMs 0) it simply
 * sleeps to the deadline, so schedules are exact.
 */
import type { Clock } from '../clock.ts';

/** Options of a DriftCorrectingTimer. */
export interface DriftTimerOptions {
  /** Cover the last `spinMs` milliseconds by yielding to the event loop instead of sleeping (default 0: sleep). */
  spinMs?: number;
}

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
// Do not let one long stall (GC, a busy loop) teach the timer to wake absurdly early.
const MAX_BIAS_MS = 2;

export class DriftCorrectingTimer {
  readonly #clock: Clock;
  readonly #spinMs: number;
  #biasMs = 0;

  constructor(clock: Clock, options: DriftTimerOptions = {}) {
    this.#clock = clock;
    this.#spinMs = Math.max(0, options.spinMs ?? 0);
  }

  /** How late this clock's sleeps have been firing lately, ms (moving average). */
  get biasMs(): number {
    return this.#biasMs;
  }

  /** Resolves at `targetMs` on the clock (or at once when past), or when `signal` aborts. */
  async waitUntil(targetMs: number, signal?: AbortSignal): Promise<void> {
    const clock = this.#clock;
    for (;;) {
      const leftMs = targetMs - clock.now();
      if (leftMs <= 0 || signal?.aborted) return;
      const sleepMs = leftMs - this.#biasMs - this.#spinMs;
      if (sleepMs >= 1 || (this.#spinMs === 0 && sleepMs > 0)) {
        const askedAt = clock.now();
        await clock.sleep(sleepMs, signal);
        const lateMs = clock.now() - (askedAt + sleepMs);
        this.#biasMs = Math.min(MAX_BIAS_MS, Math.max(0, 0.8 * this.#biasMs + 0.2 * lateMs));
      } else if (this.#spinMs > 0) {
        await yieldTurn();
      } else {
        await clock.sleep(leftMs, signal);
      }
    }
  }
}
