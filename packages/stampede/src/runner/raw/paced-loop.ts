/**
 * The one raw load loop: `C` is a transport's connection (a lean socket, an undici session). Closed model: every
 * connection sends again as soon as its response ends. Open model: a Pacer hands out slots and each idle
 * connection takes the next due one; a request sent late is measured from its slot (coordinated omission
 * corrected, wrk2's rule), so a stalled target shows in the latency instead of hiding in fewer requests.
 * Subclasses only say how a connection sends, aborts and closes; the schedule, the counters and the end of a run
 * live here once.
 */
import { RingBuffer } from '../../stats/ring-buffer.ts';
import { LATE_MS, type ScheduleCounters } from '../schedule.ts';
import { Pacer, type SlotPlan } from '../pacer.ts';

/** What every raw loop offers its thread. */
export interface RawLoop {
  /** Run until `endMs` (performance.now() time): no request starts at or after it; resolves once all is closed. */
  run(endMs: number): Promise<void>;
  /** Connect before the start (the first requests then measure no connect). */
  preconnect(): Promise<void>;
  /** Start no more requests; those in flight finish normally. */
  stop(): void;
  /** Abort what is still in flight: each is recorded once, as `interrupted`. */
  interrupt(): void;
  readonly inFlight: number;
  /** Open-model counters (zero in the closed model). */
  readonly schedule: ScheduleCounters;
}

export abstract class PacedLoop<C> implements RawLoop {
  protected readonly conns: readonly C[];
  private readonly pacing: SlotPlan | undefined;
  /**
   * Open model: idle connections, longest idle first. Every connection takes its turn and stays warm, as wrk and
   * k6 use theirs; the most recently freed one would carry all the load at low rates while the server closed the
   * others as idle (and a burst then paid for new connects).
   */
  private readonly idle: RingBuffer<C>;
  protected pacer: Pacer | null = null;
  protected stopped = false;
  private busy = 0;
  private endMs = Infinity;
  readonly schedule: ScheduleCounters = { started: 0, late: 0, dropped: 0 };
  private finish: (() => void) | null = null;
  private readonly pump = (): void => this.sendDue();

  constructor(conns: readonly C[], pacing: SlotPlan | undefined) {
    this.conns = conns;
    this.pacing = pacing;
    this.idle = new RingBuffer(Math.max(1, conns.length));
  }

  get inFlight(): number {
    return this.busy;
  }

  run(endMs: number): Promise<void> {
    const done = new Promise<void>((resolve) => (this.finish = resolve));
    this.endMs = endMs;
    this.started();
    setTimeout(() => this.stop(), Math.max(0, endMs - performance.now())).unref();
    if (this.pacing !== undefined) {
      this.pacer = new Pacer({ ...this.pacing, endMs }, this.pump);
      for (const conn of this.conns) this.idle.push(conn);
      this.sendDue();
    } else if (!this.stopped) {
      for (const conn of this.conns) {
        this.busy++;
        this.sendClosed(conn);
      }
    }
    this.checkDone();
    return done;
  }

  async preconnect(): Promise<void> {}

  stop(): void {
    if (this.pacer !== null && !this.stopped) {
      // Slots that came due while every connection was busy, and will now never be sent.
      this.schedule.dropped += this.pacer.dueBefore(Math.min(performance.now(), this.endMs));
      this.pacer.stop();
    }
    this.stopped = true;
    this.checkDone();
  }

  interrupt(): void {
    this.stop();
    this.abortInFlight();
  }

  /** Called once at the start of run(). */
  protected started(): void {}
  /** Closed model: send on `conn` (counted busy) and keep sending until stopped, then call `released(conn)`. */
  protected abstract sendClosed(conn: C): void;
  /** Open model: send one request on `conn` for `slotMs` (counted busy); call `released(conn)` when it ends. */
  protected abstract sendPaced(conn: C, slotMs: number): void;
  protected abstract abortInFlight(): void;
  /** Close every connection; the run resolves once this does. */
  protected abstract close(): void | Promise<void>;

  /** A connection's request ended: paced, it goes back to the idle list; stopped, the run may end. */
  protected released(conn: C): void {
    this.busy--;
    if (this.stopped) {
      this.checkDone();
      return;
    }
    if (this.pacer === null) {
      this.busy++;
      this.sendClosed(conn);
      return;
    }
    this.idle.push(conn);
    this.sendDue();
  }

  /** Open model: give every due slot an idle connection; arm the pacer for the next one. */
  private sendDue(): void {
    const pacer = this.pacer!;
    if (this.stopped) return this.checkDone();
    let now = performance.now();
    while (this.idle.size > 0) {
      const slot = pacer.take(now);
      if (Number.isNaN(slot)) {
        if (pacer.finished) return this.stop();
        pacer.arm(now);
        return;
      }
      const conn = this.idle.shift()!;
      this.schedule.started++;
      if (now - slot > LATE_MS) this.schedule.late++;
      this.busy++;
      this.sendPaced(conn, slot);
      now = performance.now();
      if (this.stopped) return;
    }
    if (pacer.finished) this.stop();
  }

  private checkDone(): void {
    if (!this.stopped || this.busy > 0 || this.finish === null) return;
    const finish = this.finish;
    this.finish = null;
    void Promise.resolve(this.close()).then(finish);
  }
}
