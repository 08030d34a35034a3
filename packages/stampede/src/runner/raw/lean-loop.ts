/**
 * The raw-mode hot loop (`stampede quick` on plain http): `connections` lean connections writing one prebuilt
 * request each, closed loop (send again as soon as the response ends) or paced by a Pacer (open model).
 * Per response: two `performance.now()` (send, end), one parser pass over the bytes, one `record()` into the
 * thread's StatsSet. No object is allocated per successful request.
 */
import { classifyError, statusError, type TimeoutLimits } from '../../http/classify-error.ts';
import { InterruptedError } from '../../http/errors.ts';
import { LeanConnection, type ConnectionOwner, type ConnectionTarget } from '../../http/lean/lean-connection.ts';
import type { Recorder } from '../../stats/recorder.ts';
import { PacedLoop } from './paced-loop.ts';
import type { SlotPlan } from '../pacer.ts';

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
  pacing?: SlotPlan;
  /** How often timeouts are checked, ms. Default 100. */
  sweepMs?: number;
}

export class LeanLoadLoop extends PacedLoop<LeanConnection> implements ConnectionOwner {
  private readonly request: Uint8Array;
  private readonly isHead: boolean;
  private readonly recorder: Recorder;
  private readonly method: string;
  private readonly name: string;
  private readonly limits: TimeoutLimits;
  private readonly sweepMs: number;
  private sweep: NodeJS.Timeout | null = null;

  constructor(options: LoadLoopOptions) {
    const t = options.target;
    const conns: LeanConnection[] = [];
    for (let i = 0; i < options.connections; i++) conns.push(new LeanConnection(t, i, { sharedReadBuffer: true }));
    super(conns, options.pacing);
    this.request = options.request;
    this.isHead = options.isHead;
    this.recorder = options.recorder;
    this.method = options.method;
    this.name = options.name;
    this.sweepMs = options.sweepMs ?? 100;
    this.limits = { connectTimeoutMs: t.connectTimeoutMs, headersTimeoutMs: t.headersTimeoutMs, bodyTimeoutMs: t.bodyTimeoutMs };
  }

  override async preconnect(): Promise<void> {
    await Promise.all(this.conns.map((conn) => conn.connectAhead()));
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
    this.released(conn);
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
    this.released(conn);
  }

  protected override started(): void {
    this.sweep = setInterval(() => this.expire(), this.sweepMs);
  }

  protected sendClosed(conn: LeanConnection): void {
    conn.send(this, this.request, this.isHead);
  }

  protected sendPaced(conn: LeanConnection, slotMs: number): void {
    conn.tag = slotMs;
    conn.send(this, this.request, this.isHead);
  }

  protected abortInFlight(): void {
    for (const conn of this.conns) if (conn.busy) conn.abort(new InterruptedError());
  }

  protected close(): void {
    if (this.sweep !== null) clearInterval(this.sweep);
    this.sweep = null;
    for (const conn of this.conns) conn.close();
  }

  private retry(conn: LeanConnection): void {
    if (this.stopped) this.released(conn);
    else conn.send(this, this.request, this.isHead);
  }

  private expire(): void {
    const now = performance.now();
    for (const conn of this.conns) conn.expire(now);
  }
}
