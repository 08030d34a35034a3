/**
 * The raw loop over undici sessions: `stampede quick` over https (TLS options the lean path does not cover), and
 * the suite's HTTP loads, whose requests vary (bodies, headers, a list taken round-robin). Same behaviour as the
 * lean loop — the schedule, the corrected latency and the counters are PacedLoop's — at ~25 µs of undici per request.
 */
import type { Dispatcher } from 'undici';
import { createHttpSession } from '../../http/session.ts';
import type { HttpSessionHandle, RequestOptions } from '../../http/types.ts';
import type { Recorder } from '../../stats/recorder.ts';
import { CorrectingRecorder } from '../corrected-recorder.ts';
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
  /** Open model: adds how late the request in flight was sent after its slot (the corrected latency). */
  corrector: CorrectingRecorder | undefined;
}

export class UndiciLoadLoop extends PacedLoop<SessionSlot> {
  private readonly requests: readonly LoopRequest[];
  private readonly dispatcher: Dispatcher;
  private next = 0;

  constructor(options: UndiciLoopOptions) {
    const slots: SessionSlot[] = [];
    for (let i = 0; i < options.connections; i++) {
      const corrector = options.pacing === undefined ? undefined : new CorrectingRecorder(options.recorder);
      const session = createHttpSession({ baseUrl: options.baseUrl, recorder: corrector ?? options.recorder, dispatcher: options.dispatcher, ...options.timeouts });
      Object.assign(session.defaultHeaders, options.headers);
      slots.push({ session, corrector });
    }
    super(slots, options.pacing);
    this.requests = options.requests;
    this.dispatcher = options.dispatcher;
  }

  protected sendClosed(slot: SessionSlot): void {
    void this.send(slot).then(() => this.released(slot));
  }

  protected sendPaced(slot: SessionSlot, slotMs: number): void {
    slot.corrector!.startDelayUs = Math.round(Math.max(0, performance.now() - slotMs) * 1000);
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
