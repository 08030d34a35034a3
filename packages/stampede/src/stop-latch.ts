/**
 * A virtual user's stop signal without an AbortController. In Node 20 every AbortController + AbortSignal is an
 * EventTarget with two Maps, a shape of its own and a Listener object per listener: ~1 KB per controller, two per
 * user, plus a Listener per wait (issue 11 goal 3: 10,000 idle users). The runner needs only a flag and one-shot
 * callbacks; user code that wants a real AbortSignal (`this.environment.signal`, e.g. for fetch) gets one made on
 * first use, aborted with the latch.
 */

/** What waits and loops read of a stop signal: AbortSignal has it, and so does StopLatch. */
export interface AbortLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A flag that flips once, calling its listeners (each at most once, as with `{ once: true }`). */
export class StopLatch implements AbortLike {
  aborted = false;
  #listeners: (() => void)[] | null = null;
  #controller: AbortController | undefined;

  /** Flips the latch: listeners run in the order they were added; later calls do nothing. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.#listeners;
    this.#listeners = null;
    if (listeners !== null) for (const listener of listeners) listener();
    this.#controller?.abort();
  }

  /** Adds a one-shot listener (ignored once aborted, as AbortSignal does). */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) (this.#listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#listeners;
    if (listeners === null) return;
    const i = listeners.lastIndexOf(listener);
    if (i !== -1) listeners.splice(i, 1);
  }

  /** A real AbortSignal that aborts with this latch, made on first use. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort();
    }
    return this.#controller.signal;
  }
}
