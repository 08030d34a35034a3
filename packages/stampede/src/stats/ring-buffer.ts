/**
 * A fixed-capacity FIFO that drops the oldest item when full: memory stays flat however long the run.
 * Policy: drop oldest (not downsample) — the default 7,200 one-second points keep the last 2 hours at full
 * resolution; raise the capacity (e.g. 86,400 ≈ 15 MB of points) to keep a whole 24-hour run.
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private length = 0;
  /** Items dropped since creation (or the last clear) because the buffer was full. */
  dropped = 0;

  /** @param capacity maximum number of items kept (≥ 1) */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be an integer ≥ 1, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  /** Number of items held. */
  get size(): number {
    return this.length;
  }

  /** Append an item, dropping the oldest when full. */
  push(item: T): void {
    if (this.length < this.capacity) {
      this.items[(this.start + this.length) % this.capacity] = item;
      this.length++;
      return;
    }
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
    this.dropped++;
  }

  /** Remove and return the oldest item, if any. */
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.start];
    this.items[this.start] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.length--;
    return item;
  }

  /** The newest item, if any. */
  last(): T | undefined {
    return this.length === 0 ? undefined : this.items[(this.start + this.length - 1) % this.capacity];
  }

  /** Items oldest first (a copy). */
  toArray(): T[] {
    const out = new Array<T>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.items[(this.start + i) % this.capacity] as T;
    return out;
  }

  /** Remove every item. */
  clear(): void {
    this.items.fill(undefined);
    this.start = 0;
    this.length = 0;
    this.dropped = 0;
  }
}
