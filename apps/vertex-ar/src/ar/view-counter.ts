/**
 * Buffered view counters: the AR hot path only increments a Map entry; a timer flushes the totals to
 * the database in one transaction (every `flushIntervalMs` and on close), so no view waits on a write.
 */

/** Where flushed counts go. */
export type ViewSink = (counts: ReadonlyMap<number, number>) => Promise<void>;

/** Options for {@link ViewCounter}. */
export interface ViewCounterOptions {
  flushIntervalMs?: number;
  /** Called when a flush fails; the counts are kept for the next flush. */
  onError?: (err: unknown) => void;
}

/** In-memory view counts per portrait id. */
export class ViewCounter {
  #pending = new Map<number, number>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  readonly #sink: ViewSink;
  readonly #onError: (err: unknown) => void;

  constructor(sink: ViewSink, options: ViewCounterOptions = {}) {
    this.#sink = sink;
    this.#onError = options.onError ?? (() => {});
    const interval = options.flushIntervalMs ?? 1000;
    if (interval > 0) {
      this.#timer = setInterval(() => void this.flush(), interval);
      // A pending flush must not keep the process alive; close() flushes explicitly.
      this.#timer.unref();
    }
  }

  /** Counts one view (synchronous, allocation-free after the first view of an id). */
  record(portraitId: number): void {
    this.#pending.set(portraitId, (this.#pending.get(portraitId) ?? 0) + 1);
  }

  /** Views not yet flushed (for tests and metrics). */
  pendingCount(): number {
    let n = 0;
    for (const v of this.#pending.values()) n += v;
    return n;
  }

  /** Writes pending counts; one flush at a time, failed batches are merged back. */
  async flush(): Promise<void> {
    if (this.#flushing) await this.#flushing;
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    this.#flushing = this.#sink(batch).catch((err) => {
      for (const [id, n] of batch) this.#pending.set(id, (this.#pending.get(id) ?? 0) + n);
      this.#onError(err);
    });
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Stops the timer and flushes what is left. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}
