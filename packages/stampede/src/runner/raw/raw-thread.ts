/**
 * One thread of the raw engine (`stampede quick`): owns a share of the connections and a StatsSet, runs the lean loop (plain
 * http) or the undici loop (https), and answers the main thread's snapshot and stop messages. The same host runs
 * inside a worker thread (raw-worker.ts) or in-process when one thread is enough.
 */
import { createDispatcher } from '../../http/dispatcher.ts';
import { LeanLoadLoop } from './lean-loop.ts';
import type { ScheduleCounters } from '../schedule.ts';
import type { RawLoop } from './paced-loop.ts';
import { buildRequest } from '../../http/lean/request-head.ts';
import { warmLeanPath } from './warm-up.ts';
import { StatsSet } from '../../stats/stats-set.ts';
import type { StatsDelta } from '../../stats/types.ts';
import { UndiciLoadLoop } from './undici-loop.ts';

/** Timeouts of the raw mode, ms. */
export interface QuickTimeouts {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

/** What a quick thread needs (structured-cloneable: it travels as workerData). */
export interface QuickThreadInit {
  threadId: number;
  /** Threads sharing the run (pacing interleave). */
  threads: number;
  url: string;
  method: string;
  /** Extra request headers, name/value alternating. */
  headers: string[];
  body?: Uint8Array;
  /** This thread's connections. */
  connections: number;
  /** Run-wide requests per second (open model), or absent (closed loop). */
  rate?: number;
  timeouts: QuickTimeouts;
  maxNames: number;
  /** https: accept any certificate. */
  insecure?: boolean;
  /** https: offer only HTTP/1.1 (HTTP/2 is used when offered otherwise). */
  http1?: boolean;
}

export type ToQuickThread =
  /** Times are epoch ms (performance.timeOrigin + now()), comparable across threads. */
  | { type: 'start'; startEpochMs: number; endEpochMs: number }
  | { type: 'snapshot'; seq: number }
  /** Start no more requests; in-flight ones finish. */
  | { type: 'stop' }
  /** Abort in-flight requests (recorded as interrupted). */
  | { type: 'interrupt' };

export type FromQuickThread =
  | { type: 'ready'; threadId: number }
  | { type: 'init-error'; threadId: number; message: string }
  | { type: 'snapshot'; threadId: number; seq: number; delta: StatsDelta; inFlight: number }
  | { type: 'done'; threadId: number; delta: StatsDelta; schedule: ScheduleCounters }
  | { type: 'warning'; message: string };

function defaultPort(url: URL): number {
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

/** Build the loop for this thread's share. Plain http goes over the lean path; anything else over undici. */
export function createRawLoop(init: QuickThreadInit, stats: StatsSet, firstSlotMs: number): RawLoop {
  const url = new URL(init.url);
  const path = `${url.pathname}${url.search}`;
  const name = url.pathname;
  const pacing =
    init.rate === undefined
      ? undefined
      : { firstSlotMs: firstSlotMs + (init.threadId * 1000) / init.rate, intervalMs: 1000 / init.rate, stride: init.threads };
  if (url.protocol === 'http:') {
    const headers = init.headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'user-agent')
      ? init.headers
      : [...init.headers, 'user-agent', 'stampede'];
    return new LeanLoadLoop({
      target: { host: url.hostname.replace(/^\[|\]$/g, ''), port: defaultPort(url), ...init.timeouts },
      request: buildRequest(init.method, path, url.host, headers, init.body),
      isHead: init.method === 'HEAD',
      connections: init.connections,
      method: init.method,
      name,
      recorder: stats,
      pacing,
    });
  }
  const dispatcher = createDispatcher({
    connectionsPerOrigin: init.connections,
    connectTimeoutMs: init.timeouts.connectTimeoutMs,
    allowH2: init.http1 !== true,
    ...(init.insecure === true ? { rejectUnauthorized: false } : {}),
  });
  const headers: Record<string, string> = {};
  for (let h = 0; h + 1 < init.headers.length; h += 2) headers[init.headers[h]!] = init.headers[h + 1]!;
  return new UndiciLoadLoop({
    baseUrl: `${url.protocol}//${url.host}`,
    // Redirects are not followed: the loop measures what the target answers, one request per slot.
    requests: [{ method: init.method, path, name, body: init.body, followRedirects: false }],
    connections: init.connections,
    headers,
    timeouts: init.timeouts,
    dispatcher,
    recorder: stats,
    pacing,
  });
}

/** The thread side: handles the main thread's messages. */
export class QuickThreadHost {
  private readonly init: QuickThreadInit;
  private readonly send: (m: FromQuickThread) => void;
  private readonly stats: StatsSet;
  private loop: RawLoop | null = null;

  constructor(init: QuickThreadInit, send: (m: FromQuickThread) => void) {
    this.init = init;
    this.send = send;
    this.stats = new StatsSet({ maxNames: init.maxNames, onWarning: (message) => send({ type: 'warning', message }) });
  }

  /**
   * Before `ready`: plain http warms the lean loop on a loopback server of its own (warm-up.ts), so the
   * compiler's work is done before the clock starts. A warm-up that cannot run (no loopback) is skipped.
   */
  async prepare(): Promise<void> {
    if (new URL(this.init.url).protocol !== 'http:') return;
    await warmLeanPath(this.init.connections).catch(() => {});
  }

  handle(message: ToQuickThread): void {
    switch (message.type) {
      case 'start': {
        const origin = performance.timeOrigin;
        const loop = createRawLoop(this.init, this.stats, message.startEpochMs - origin);
        this.loop = loop;
        // Connections open during the lead before the start; one still connecting then is waited for by its write.
        void loop.preconnect();
        // Every thread starts at the same instant (the first second's rate is then exact).
        setTimeout(() => {
          void loop.run(message.endEpochMs - origin).then(() => {
            this.send({ type: 'done', threadId: this.init.threadId, delta: this.stats.snapshot(), schedule: loop.schedule });
          });
        }, Math.max(0, message.startEpochMs - origin - performance.now()));
        break;
      }
      case 'snapshot':
        this.send({
          type: 'snapshot',
          threadId: this.init.threadId,
          seq: message.seq,
          delta: this.stats.snapshot(),
          inFlight: this.loop?.inFlight ?? 0,
        });
        break;
      case 'stop':
        this.loop?.stop();
        break;
      case 'interrupt':
        this.loop?.interrupt();
        break;
    }
  }
}
