/**
 * Asking every user thread for its statistics (each second) or for its final ones (stop), and waiting for the
 * answers with a bound: a thread that does not answer in time is gone on without; its late answer is still merged.
 */
import type { Clock } from '../clock.ts';
import type { UserThread } from './user-thread.ts';

export class SnapshotCollector {
  readonly #threads: UserThread[];
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  #seq = 0;
  readonly #pending = new Map<number, { waiting: Set<number>; resolve: () => void }>();
  readonly #stopped = new Map<number, () => void>();

  /** @param timeoutMs how long a snapshot round may wait for a thread, ms */
  constructor(threads: UserThread[], clock: Clock, timeoutMs: number) {
    this.#threads = threads;
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
  }

  /** One round: every thread sends its snapshot; resolves when all have answered or after the timeout. */
  async collect(): Promise<void> {
    const seq = ++this.#seq;
    const all = new Promise<void>((resolve) => this.#pending.set(seq, { waiting: new Set(this.#threads.map((t) => t.threadId)), resolve }));
    for (const t of this.#threads) t.post({ type: 'snapshot', seq });
    const timeout = new AbortController();
    await Promise.race([all, this.#clock.sleep(this.#timeoutMs, timeout.signal)]);
    timeout.abort();
    this.#pending.delete(seq);
  }

  /** A thread answered round `seq`. */
  answered(seq: number, threadId: number): void {
    const p = this.#pending.get(seq);
    p?.waiting.delete(threadId);
    if (p && p.waiting.size === 0) p.resolve();
  }

  /** Asks every thread to stop; resolves when all sent their final statistics, or after the stop timeout plus 3 s. */
  async stopAll(stopTimeoutMs: number): Promise<void> {
    const stopped = this.#threads.map((t) => new Promise<void>((resolve) => this.#stopped.set(t.threadId, resolve)));
    for (const t of this.#threads) t.post({ type: 'stop', stopTimeoutMs });
    const timeout = new AbortController();
    await Promise.race([Promise.all(stopped), this.#clock.sleep(stopTimeoutMs + 3000, timeout.signal)]);
    timeout.abort();
  }

  /** A thread sent its final statistics. */
  stopped(threadId: number): void {
    this.#stopped.get(threadId)?.();
  }
}
