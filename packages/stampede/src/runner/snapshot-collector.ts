/**
 * Asking every user thread for its statistics (each second) or for its final ones (stop), and waiting for the
 * answers with a bound: a thread that does not answer in time is gone on without; its late answer is still merged.
 */
import type { Clock } from '../clock.ts';
import type { UserThread } from './user-thread.ts';

/**
 * How long after the stop timeout a user thread may take to send its final statistics. A thread answers about
 * 0.5 s after it (user-host.ts: it gives aborted requests 0.5 s to be recorded); one more second is slack for a
 * loaded machine. A thread silent past it is stuck in user code that never yields and is ended: SIGINT must end the
 * run within the stop timeout plus a small margin (docs/reliability.md).
 */
export const THREAD_STOP_MARGIN_MS = 1_500;

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

  /**
   * Asks every thread to stop; resolves when all sent their final statistics, or after the stop timeout plus the
   * threads' margin, with the threads that did not answer.
   */
  async stopAll(stopTimeoutMs: number): Promise<UserThread[]> {
    const silent = new Set(this.#threads);
    const stopped = this.#threads.map((t) => new Promise<void>((resolve) => this.#stopped.set(t.threadId, resolve)).then(() => silent.delete(t)));
    for (const t of this.#threads) t.post({ type: 'stop', stopTimeoutMs });
    const marginMs = Math.max(0, ...this.#threads.map((t) => t.stopMarginMs ?? THREAD_STOP_MARGIN_MS));
    const timeout = new AbortController();
    await Promise.race([Promise.all(stopped), this.#clock.sleep(stopTimeoutMs + marginMs, timeout.signal)]);
    timeout.abort();
    return [...silent];
  }

  /** A thread sent its final statistics. */
  stopped(threadId: number): void {
    this.#stopped.get(threadId)?.();
  }
}
