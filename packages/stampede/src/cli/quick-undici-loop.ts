/**
 * The raw-mode loop over undici sessions, for what the lean path does not cover (https, TLS options).
 * Same behaviour as LeanLoadLoop: closed loop over `connections` sessions, or paced by the same Pacer with the
 * corrected latency measured from each slot. Slower per request (~25 µs of undici), never used for plain http.
 */
import type { Dispatcher } from 'undici';
import { createHttpSession } from '../http/session.ts';
import type { HttpSessionHandle } from '../http/types.ts';
import { Pacer, type PacerOptions } from '../http/lean/pacer.ts';
import type { RecordedError, Recorder } from '../stats/recorder.ts';
import { RingBuffer } from '../stats/ring-buffer.ts';
import { LATE_MS, type ScheduleCounters } from '../http/lean/load-loop.ts';
import type { QuickLoop, QuickThreadInit } from './quick-thread.ts';

/** Options of an UndiciLoadLoop. */
export interface UndiciLoopOptions {
  url: URL;
  path: string;
  name: string;
  init: QuickThreadInit;
  dispatcher: Dispatcher;
  recorder: Recorder;
  pacing?: Omit<PacerOptions, 'endMs'>;
}

/** The raw-mode loop of one thread over undici. */
export class UndiciLoadLoop implements QuickLoop {
  private readonly options: UndiciLoopOptions;
  private readonly sessions: HttpSessionHandle[] = [];
  /** Open model: idle sessions, longest idle first (as the lean loop's connections). */
  private readonly idle: RingBuffer<HttpSessionHandle>;
  private pacer: Pacer | null = null;
  private stopped = false;
  private busy = 0;
  private endMs = Infinity;
  readonly schedule: ScheduleCounters = { started: 0, late: 0, dropped: 0 };
  private finish: (() => void) | null = null;

  constructor(options: UndiciLoopOptions) {
    this.options = options;
    const base = `${options.url.protocol}//${options.url.host}`;
    const { timeouts } = options.init;
    this.idle = new RingBuffer(Math.max(1, options.init.connections));
    for (let i = 0; i < options.init.connections; i++) {
      let recorder = options.recorder;
      if (options.pacing !== undefined) recorder = this.correctingRecorder(i);
      const session = createHttpSession({ baseUrl: base, recorder, dispatcher: options.dispatcher, ...timeouts });
      const headers = options.init.headers;
      for (let h = 0; h + 1 < headers.length; h += 2) session.defaultHeaders[headers[h]!] = headers[h + 1]!;
      this.sessions.push(session);
    }
  }

  /** undici connects on the first request. */
  async preconnect(): Promise<void> {}

  get inFlight(): number {
    return this.busy;
  }

  run(endMs: number): Promise<void> {
    const done = new Promise<void>((resolve) => (this.finish = resolve));
    this.endMs = endMs;
    setTimeout(() => this.stop(), Math.max(0, endMs - performance.now())).unref();
    if (this.options.pacing !== undefined) {
      this.pacer = new Pacer({ ...this.options.pacing, endMs }, () => this.sendDue());
      for (const session of this.sessions) this.idle.push(session);
      this.sendDue();
    } else if (!this.stopped) {
      for (const session of this.sessions) void this.closedLoop(session);
    }
    this.checkDone();
    return done;
  }

  stop(): void {
    if (this.pacer !== null && !this.stopped) {
      this.schedule.dropped += this.pacer.dueBefore(Math.min(performance.now(), this.endMs));
      this.pacer.stop();
    }
    this.stopped = true;
    this.checkDone();
  }

  interrupt(): void {
    this.stop();
    for (const session of this.sessions) session.abortAll();
  }

  // The intended start of each session's request in flight (open model), by session index.
  private readonly intended: number[] = [];

  private correctingRecorder(index: number): Recorder {
    const stats = this.options.recorder;
    return {
      record: (m: string, n: string, us: number, bytes: number, error?: RecordedError) =>
        stats.record(m, n, us, bytes, error, Math.round((performance.now() - this.intended[index]!) * 1000)),
      recordException: (e: unknown) => stats.recordException(e),
      recordCheck: (n: string, p: boolean) => stats.recordCheck(n, p),
    };
  }

  private request(session: HttpSessionHandle): Promise<unknown> {
    const { init, path, name } = this.options;
    return session.request(init.method, path, { name, body: init.body, followRedirects: false });
  }

  private async closedLoop(session: HttpSessionHandle): Promise<void> {
    this.busy++;
    while (!this.stopped) await this.request(session);
    this.busy--;
    this.checkDone();
  }

  private sendDue(): void {
    const pacer = this.pacer!;
    let now = performance.now();
    while (!this.stopped && this.idle.size > 0) {
      const slot = pacer.take(now);
      if (Number.isNaN(slot)) {
        if (pacer.finished) return this.stop();
        return pacer.arm(now);
      }
      const session = this.idle.shift()!;
      this.schedule.started++;
      if (now - slot > LATE_MS) this.schedule.late++;
      this.intended[this.sessions.indexOf(session)] = slot;
      this.busy++;
      void this.request(session).then(() => {
        this.busy--;
        this.idle.push(session);
        if (this.stopped) this.checkDone();
        else this.sendDue();
      });
      now = performance.now();
    }
    if (pacer.finished) this.stop();
  }

  private checkDone(): void {
    if (!this.stopped || this.busy > 0 || this.finish === null) return;
    const finish = this.finish;
    this.finish = null;
    void this.options.dispatcher.destroy().then(finish);
  }
}
