/**
 * The raw loop over undici sessions: `stampede quick` over https (TLS options the lean path does not cover), and
 * the suite's HTTP loads, whose requests vary (bodies, headers, a list taken round-robin). Same behaviour as the
 * lean loop — the schedule, the corrected latency and the counters are PacedLoop's — at ~25 µs of undici per request.
 */
import type { Dispatcher } from 'undici';
import { createHttpSession } from '../../http/session.ts';
import type { HttpSessionHandle, RequestOptions } from '../../http/types.ts';
import type { RecordedError, Recorder } from '../../stats/recorder.ts';
import { PacedLoop } from './paced-loop.ts';
import type { SlotPlan } from '../pacer.ts';

/** One request of the loop's list. */
export interface LoopRequest extends RequestOptions {
  /** Default GET. */
  method?: string;
  path: string;
}

/** Options of an UndiciLoadLoop. */
export interface UndiciLoopOptions {
  /** `protocol//host[:port]` of every request. */
  baseUrl: string;
  /** Taken round-robin across the whole loop (request k is `requests[k mod length]`). */
  requests: readonly LoopRequest[];
  connections: number;
  /** Headers sent with every request. */
  headers?: Readonly<Record<string, string>>;
  timeouts?: { headersTimeoutMs?: number; bodyTimeoutMs?: number };
  dispatcher: Dispatcher;
  recorder: Recorder;
  /** Open model: the slots (without `endMs`, which run() sets). Closed model when absent. */
  pacing?: SlotPlan;
}

interface SessionSlot {
  session: HttpSessionHandle;
  /** Open model: the intended start of the request in flight, performance.now() ms. */
  intendedMs: number;
}

export class UndiciLoadLoop extends PacedLoop<SessionSlot> {
  private readonly requests: readonly LoopRequest[];
  private readonly dispatcher: Dispatcher;
  private next = 0;

  constructor(options: UndiciLoopOptions) {
    const slots: SessionSlot[] = [];
    for (let i = 0; i < options.connections; i++) {
      const slot: SessionSlot = { session: undefined!, intendedMs: 0 };
      const recorder = options.pacing === undefined ? options.recorder : correcting(options.recorder, slot);
      slot.session = createHttpSession({ baseUrl: options.baseUrl, recorder, dispatcher: options.dispatcher, ...options.timeouts });
      Object.assign(slot.session.defaultHeaders, options.headers);
      slots.push(slot);
    }
    super(slots, options.pacing);
    this.requests = options.requests;
    this.dispatcher = options.dispatcher;
  }

  protected sendClosed(slot: SessionSlot): void {
    void this.send(slot).then(() => this.released(slot));
  }

  protected sendPaced(slot: SessionSlot, slotMs: number): void {
    slot.intendedMs = slotMs;
    void this.send(slot).then(() => this.released(slot));
  }

  protected abortInFlight(): void {
    for (const slot of this.conns) slot.session.abortAll();
  }

  protected close(): Promise<void> {
    return this.dispatcher.destroy();
  }

  private send(slot: SessionSlot): Promise<unknown> {
    const { method = 'GET', path, ...options } = this.requests[this.next++ % this.requests.length]!;
    return slot.session.request(method, path, options);
  }
}

/** Records each request's latency also from its slot (the corrected latency), read when the response ends. */
function correcting(stats: Recorder, slot: SessionSlot): Recorder {
  return {
    record: (m: string, n: string, us: number, bytes: number, error?: RecordedError) =>
      stats.record(m, n, us, bytes, error, Math.round((performance.now() - slot.intendedMs) * 1000)),
    recordException: (e: unknown) => stats.recordException(e),
    recordCheck: (n: string, p: boolean) => stats.recordCheck(n, p),
  };
}
