/**
 * The raw-mode hot loop (`stampede quick` on plain http): `connections` lean connections writing one prebuilt
 * request each, closed loop (send again as soon as the response ends) or paced by a Pacer (open model).
 * Per response: two `performance.now()` (send, end), one parser pass over the bytes, one `record()` into the
 * thread's StatsSet. No object is allocated per successful request.
 */
import type { Recorder } from '../../stats/recorder.ts';
import { classifyError, statusError, type TimeoutLimits } from '../classify-error.ts';
import { InterruptedError } from '../errors.ts';
import { LeanConnection, type ConnectionOwner, type ConnectionTarget } from './lean-connection.ts';
import { Pacer, type PacerOptions } from './pacer.ts';
import { RingBuffer } from '../../stats/ring-buffer.ts';

/** Options of a LeanLoadLoop. */
export interface LoadLoopOptions {
  target: ConnectionTarget;
  /** The whole request, built once (see buildRequest). */
  request: Uint8Array;
  /** The request is HEAD (responses carry no body). */
  isHead: boolean;
  connections: number;
  /** Statistics method and name of every request. */
  method: string;
  name: string;
  recorder: Recorder;
  /** Open model: the thread's slots (without `endMs`, which run() sets). Closed model when absent. */
  pacing?: Omit<PacerOptions, 'endMs'>;
  /** How often timeouts are checked, ms. Default 100. */
  sweepMs?: number;
}

/** A request sent this long after its slot counts as late (open model), ms. */
export const LATE_MS = 1;

/** Open-model counters of a loop (report `iterations`): slots sent, sent late, and due but never sent. */
export interface ScheduleCounters {
  started: number;
  late: number;
  dropped: number;
}

/** The raw-mode loop of one thread. Start it with run(), end it with stop() (and interrupt() past a grace). */
export class LeanLoadLoop implements ConnectionOwner {
  private readonly options: LoadLoopOptions;
  private readonly request: Uint8Array;
  private readonly isHead: boolean;
  private readonly recorder: Recorder;
  private readonly method: string;
  private readonly name: string;
  private readonly limits: TimeoutLimits;
  private readonly connections: LeanConnection[] = [];
  /**
   * Open model: idle connections, longest idle first. Every connection takes its turn and stays warm, as wrk and
   * k6 use theirs; the most recently freed one would carry all the load at low rates while the server closed the
   * others as idle (and a burst then paid for new connects).
   */
  private readonly idle: RingBuffer<LeanConnection>;
  private pacer: Pacer | null = null;
  private stopped = false;
  private busy = 0;
  private endMs = Infinity;
  /** Open model only. */
  readonly schedule: ScheduleCounters = { started: 0, late: 0, dropped: 0 };
  private finish: (() => void) | null = null;
  private sweep: NodeJS.Timeout | null = null;
  private readonly pump = (): void => this.sendDue();

  constructor(options: LoadLoopOptions) {
    this.options = options;
    this.request = options.request;
    this.isHead = options.isHead;
    this.recorder = options.recorder;
    this.method = options.method;
    this.name = options.name;
    const t = options.target;
    this.limits = { connectTimeoutMs: t.connectTimeoutMs, headersTimeoutMs: t.headersTimeoutMs, bodyTimeoutMs: t.bodyTimeoutMs };
    for (let i = 0; i < options.connections; i++) this.connections.push(new LeanConnection(t, i, { sharedReadBuffer: true }));
    this.idle = new RingBuffer(Math.max(1, options.connections));
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.busy;
  }

  /**
   * Run until `endMs` (performance.now() time of this thread): no request starts at or after it. Resolves once
   * the last response is recorded (or interrupt() ended it) and every socket is closed.
   */
  run(endMs: number): Promise<void> {
    const done = new Promise<void>((resolve) => (this.finish = resolve));
    this.endMs = endMs;
    const sweepMs = this.options.sweepMs ?? 100;
    this.sweep = setInterval(() => this.expire(), sweepMs);
    const untilEnd = Math.max(0, endMs - performance.now());
    setTimeout(() => this.stop(), untilEnd).unref();
    if (this.options.pacing !== undefined) {
      this.pacer = new Pacer({ ...this.options.pacing, endMs }, this.pump);
      for (const conn of this.connections) this.idle.push(conn);
      this.sendDue();
    } else if (!this.stopped) {
      for (const conn of this.connections) this.send(conn);
    }
    this.checkDone();
    return done;
  }

  /** Open every connection before run() (the first requests then measure no connect). */
  async preconnect(): Promise<void> {
    await Promise.all(this.connections.map((conn) => conn.connectAhead()));
  }

  /** Start no more requests; those in flight finish normally. */
  stop(): void {
    if (this.pacer !== null && !this.stopped) {
      // Slots that came due while every connection was busy, and will now never be sent.
      this.schedule.dropped += this.pacer.dueBefore(Math.min(performance.now(), this.endMs));
      this.pacer.stop();
    }
    this.stopped = true;
    this.checkDone();
  }

  /** Abort what is still in flight: each is recorded once, as `interrupted`. */
  interrupt(): void {
    this.stop();
    for (const conn of this.connections) if (conn.busy) conn.abort(new InterruptedError());
  }

  onResponse(conn: LeanConnection): void {
    const parser = conn.parser;
    const latencyUs = Math.round((conn.endMs - conn.startMs) * 1000);
    const bytes = parser.headBytes + parser.bodyBytes;
    if (this.pacer === null) {
      this.recorder.record(this.method, this.name, latencyUs, bytes, statusError(parser.status));
    } else {
      const correctedUs = Math.round((conn.endMs - conn.tag) * 1000);
      this.recorder.record(this.method, this.name, latencyUs, bytes, statusError(parser.status), correctedUs);
    }
    this.next(conn);
  }

  onFailure(conn: LeanConnection, error: Error): void {
    const latencyUs = Math.round((conn.endMs - conn.startMs) * 1000);
    const recorded = classifyError(error, this.limits);
    if (this.pacer === null) this.recorder.record(this.method, this.name, latencyUs, 0, recorded);
    else this.recorder.record(this.method, this.name, latencyUs, 0, recorded, Math.round((conn.endMs - conn.tag) * 1000));
    // A refused connection fails at once: retry on the next turn, not in a tight synchronous loop.
    if (!this.stopped && this.pacer === null) {
      setImmediate(() => this.retry(conn)); // still counted busy until it is resent or the run stops
      return;
    }
    this.next(conn);
  }

  private next(conn: LeanConnection): void {
    this.busy--;
    if (this.stopped) {
      this.checkDone();
      return;
    }
    if (this.pacer === null) {
      this.send(conn);
      return;
    }
    this.idle.push(conn);
    this.sendDue();
  }

  private retry(conn: LeanConnection): void {
    if (!this.stopped) {
      conn.send(this, this.request, this.isHead);
      return;
    }
    this.busy--;
    this.checkDone();
  }

  private send(conn: LeanConnection): void {
    this.busy++;
    conn.send(this, this.request, this.isHead);
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
      conn.tag = slot;
      this.schedule.started++;
      if (now - slot > LATE_MS) this.schedule.late++;
      this.send(conn);
      now = performance.now();
    }
    if (pacer.finished) this.stop();
  }

  private expire(): void {
    const now = performance.now();
    for (const conn of this.connections) conn.expire(now);
  }

  private checkDone(): void {
    if (!this.stopped || this.busy > 0 || this.finish === null) return;
    if (this.sweep !== null) clearInterval(this.sweep);
    this.sweep = null;
    for (const conn of this.connections) conn.close();
    const finish = this.finish;
    this.finish = null;
    finish();
  }
}
