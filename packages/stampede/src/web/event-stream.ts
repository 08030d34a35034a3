/**
 * The live stream (Server-Sent Events): a `snapshot` on connect, then once a second a `tick` frame, plus `problems`
 * when failures or exceptions changed and `logs` with new log lines. Pushed, not polled.
 */
import type { ServerResponse } from 'node:http';
import type { ChartPoint, LogLine, ProblemsFrame, SnapshotFrame, TickFrame } from './api-types.ts';

/** Where the stream reads its data. */
export interface StreamSource {
  tickFrame(points: ChartPoint[]): TickFrame;
  history(): ChartPoint[];
  testNumber(): number;
  problems(): ProblemsFrame;
  problemsSignature(): string;
  logsSince(seq: number): LogLine[];
}

/** The connected clients, and what was sent to all of them last. */
export class EventStream {
  readonly #clients = new Set<ServerResponse>();
  readonly #source: StreamSource;
  #lastT = 0;
  #lastTest = -1;
  #lastProblems = '';
  #lastLogSeq = 0;

  constructor(source: StreamSource) {
    this.#source = source;
  }

  /** Number of connected clients. */
  get size(): number {
    return this.#clients.size;
  }

  /** Takes over a response: SSE headers (the caller set the security headers), then the snapshot. */
  attach(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    const s = this.#source;
    const history = s.history();
    const snapshot: SnapshotFrame = { ...s.tickFrame(history), ...s.problems(), logs: s.logsSince(0) };
    send(res, 'snapshot', snapshot);
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
  }

  /** Sends the frame of this second to every client. */
  broadcast(): void {
    const s = this.#source;
    const test = s.testNumber();
    const history = s.history();
    if (test !== this.#lastTest) {
      this.#lastTest = test;
      this.#lastT = 0;
    }
    const points = history.filter((p) => p.t > this.#lastT);
    if (points.length > 0) this.#lastT = points[points.length - 1]!.t;
    const frames: Array<[string, unknown]> = [['tick', s.tickFrame(points)]];
    const signature = s.problemsSignature();
    if (signature !== this.#lastProblems) {
      this.#lastProblems = signature;
      frames.push(['problems', s.problems()]);
    }
    const logs = s.logsSince(this.#lastLogSeq);
    if (logs.length > 0) {
      this.#lastLogSeq = logs[logs.length - 1]!.seq;
      frames.push(['logs', logs]);
    }
    if (this.#clients.size === 0) return;
    const text = frames.map(([event, data]) => encode(event, data)).join('');
    for (const res of this.#clients) res.write(text);
  }

  /** Ends every connection. */
  close(): void {
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}

/** One SSE event. JSON has no raw newlines, so `data:` fits on one line. */
function encode(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function send(res: ServerResponse, event: string, data: unknown): void {
  res.write(encode(event, data));
}
