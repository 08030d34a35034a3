/**
 * A Clock for unit tests: time moves only when the test calls `advance(ms)`, which wakes sleepers in deadline
 * order and lets the woken code run until it sleeps again, so schedulers can be checked with exact times.
 */
import type { Clock } from '../../src/clock.ts';
import type { AbortLike } from '../../src/stop-latch.ts';

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #sleepers: Sleeper[] = [];

  constructor(startMs = 0, private readonly wallStartMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.wallStartMs + this.#now;
  }

  /** Number of pending sleepers. */
  get pending(): number {
    return this.#sleepers.length;
  }

  sleep(ms: number, signal?: AbortLike): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper: Sleeper = { at: this.#now + ms, seq: this.#seq++, resolve };
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      sleeper.resolve = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /** Lets woken code run until it is idle again (a few event-loop turns). */
  async settle(turns = 10): Promise<void> {
    for (let i = 0; i < turns; i++) await turn();
  }

  /** Moves time forward by `ms`, waking each sleeper at its own deadline, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await this.settle();
    for (;;) {
      const next = this.#sleepers.reduce<Sleeper | undefined>(
        (best, s) => (!best || s.at < best.at || (s.at === best.at && s.seq < best.seq) ? s : best),
        undefined,
      );
      if (!next || next.at > target) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== next);
      this.#now = next.at;
      next.resolve();
      await this.settle();
    }
    this.#now = target;
    await this.settle();
  }
}
