/**
 * The one open-model schedule of every executor (raw loops, arrival-rate scenarios of users, the suite's paced
 * loads): slot k of a thread is due at `firstSlotMs + k × stride × intervalMs` (threads interleave: thread i of T
 * starts at slot i and takes every T-th), or at `slotAt(k)` for a rate that ramps (an ArrivalSchedule). Slot times
 * are computed, never queued, so a stalled server costs no memory: the backlog is just `nextSlot` lagging behind the
 * clock, and each late request is measured from its own slot (coordinated omission corrected, wrk2's rule).
 *
 * Waiting for a slot: a `setTimeout` to the slot, which fires −0.2 to +0.35 ms off its target (measured at 5 ms spacing); each
 * wake-up recomputes from the clock, so errors do not accumulate (drift-correcting), and a late send is measured
 * from its slot anyway. Polling the last stretch with `setImmediate` (`spinMs`) sends closer to the slot but keeps
 * the process busy, and on this 2-core VM that made the measured service time worse: A/B at 200 req/s, 10
 * connections, 3 rounds (docs/performance.md): p50 0.31–0.35 → 0.25–0.28 ms, p99 1.9–6.4 → 1.8–2.3 ms. So the
 * default is to sleep.
 */

import { systemClock, type Clock } from '../clock.ts';

/** The time source and the two ways to wait; injectable for tests on a fake clock. */
export interface PacerTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  setImmediate(fn: () => void): unknown;
  /** Cancels what setTimeout returned (a stopped pacer holds no timer: a slot a minute away must not delay an exit). */
  clearTimeout?(handle: unknown): void;
}

/** Node's timers and performance.now(). */
export const realTimers: PacerTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  setImmediate: (fn) => setImmediate(fn),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The timers of a Clock: Node's own for the system clock, the clock's sleep for a fake one (tests). */
export function clockTimers(clock: Clock): PacerTimers {
  if (clock === systemClock) return realTimers;
  return {
    now: () => clock.now(),
    setTimeout: (fn, ms) => {
      const cancel = new AbortController();
      void clock.sleep(ms, cancel.signal).then(() => cancel.signal.aborted || fn());
      return cancel;
    },
    setImmediate: (fn) => void clock.sleep(0).then(fn),
    clearTimeout: (handle) => (handle as AbortController).abort(),
  };
}

/** The slots of one thread: evenly spaced, or any rising sequence of slot times. */
export type SlotPlan = (EvenSlots | { /** Time of this thread's slot k, ms; Infinity when there is none. */ slotAt: (k: number) => number }) & {
  /** Below this much time to the slot, poll instead of sleeping, ms. Default 0 (always sleep). */
  spinMs?: number;
};

/** Options of a Pacer: the slots, and the end. */
export type PacerOptions = SlotPlan & {
  /** No slot at or after this time, ms. */
  endMs: number;
};

/** Evenly spaced slots (a constant rate). */
export interface EvenSlots {
  /** Time of this thread's first slot, ms on `timers.now()`'s clock. */
  firstSlotMs: number;
  /** The run-wide interval between requests, ms (1000 / rate). */
  intervalMs: number;
  /** Threads sharing the rate (each takes every `stride`-th slot). Default 1. */
  stride?: number;
}

/** Hands out due slots to whoever can send (`take`) and wakes `onDue` when the next slot comes. */
export class Pacer {
  private readonly timers: PacerTimers;
  private readonly slotMs: (k: number) => number;
  /** Evenly spaced slots: the spacing (the backlog is then a division); NaN otherwise. */
  private readonly stepMs: number;
  private readonly spinMs: number;
  private endMs: number;
  private next = 0;
  private armed = false;
  private timer: unknown;
  private readonly onDue: () => void;
  private readonly wake = (): void => {
    this.armed = false;
    this.onDue();
  };

  constructor(options: PacerOptions, onDue: () => void, timers: PacerTimers = realTimers) {
    this.timers = timers;
    if ('slotAt' in options) {
      this.slotMs = options.slotAt;
      this.stepMs = Number.NaN;
    } else {
      const first = options.firstSlotMs;
      const step = options.intervalMs * (options.stride ?? 1);
      this.slotMs = (k) => first + k * step;
      this.stepMs = step;
    }
    this.spinMs = options.spinMs ?? 0;
    this.endMs = options.endMs;
    this.onDue = onDue;
  }

  /** Slots handed out so far. */
  get taken(): number {
    return this.next;
  }

  /** True once every slot before the end has been handed out (or stop() was called). */
  get finished(): boolean {
    return this.slotMs(this.next) >= this.endMs;
  }

  /** Slots due before `tMs` (and before the end) that have not been handed out: the backlog at `tMs`. */
  dueBefore(tMs: number): number {
    const until = Math.min(tMs, this.endMs);
    const first = this.slotMs(this.next);
    if (!(until > first)) return 0;
    if (!Number.isNaN(this.stepMs)) return Math.ceil((until - first) / this.stepMs);
    let count = 1;
    while (this.slotMs(this.next + count) < until) count++;
    return count;
  }

  /** No more slots from now on. */
  stop(): void {
    this.endMs = -Infinity;
    if (this.armed && this.timer !== undefined) this.timers.clearTimeout?.(this.timer);
  }

  /**
   * The intended time of the next slot if it is due by `nowMs` (and consume it), else NaN. When it is not due,
   * call `arm(nowMs)` to be woken up for it.
   */
  take(nowMs: number): number {
    const slot = this.slotMs(this.next);
    if (slot > nowMs || slot >= this.endMs) return Number.NaN;
    this.next++;
    return slot;
  }

  /** Wake `onDue` when the next slot is due (once; further calls while armed do nothing). */
  arm(nowMs: number): void {
    if (this.armed || this.finished) return;
    this.armed = true;
    const waitMs = this.slotMs(this.next) - nowMs;
    if (waitMs > this.spinMs) this.timer = this.timers.setTimeout(this.wake, waitMs - this.spinMs);
    else {
      this.timer = undefined;
      this.timers.setImmediate(this.wake);
    }
  }
}
