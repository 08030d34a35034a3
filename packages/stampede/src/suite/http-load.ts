/**
 * A plain HTTP load for suite workloads: `connections` closed loops (or `rate` requests per second, paced against
 * the clock) over a fixed list of requests taken round-robin, recorded into one StatsSet folded every second into
 * an Aggregate — the same pieces as `stampede quick`, but returning the Aggregate and a live request count.
 */
import { systemClock, type Clock } from '../clock.ts';
import { createDispatcher } from '../http/dispatcher.ts';
import { createHttpSession } from '../http/session.ts';
import type { RequestOptions } from '../http/types.ts';
import type { RecordedError, Recorder } from '../stats/recorder.ts';
import { Aggregate } from '../stats/aggregate.ts';
import { StatsSet } from '../stats/stats-set.ts';
import type { LiveLoad, LoadResult } from './load-result.ts';

/** One request of the round-robin list. */
export interface HttpLoadRequest extends RequestOptions {
  /** Default GET. */
  method?: string;
  path: string;
}

/** Options of runHttpLoad. */
export interface HttpLoadOptions {
  baseUrl: string;
  requests: readonly HttpLoadRequest[];
  /** Concurrent connections (closed loops), default 10. */
  connections?: number;
  durationS: number;
  /** Requests per second over all connections (open model); omit for closed loops. */
  rate?: number;
  clock?: Clock;
  /** Aborts the load early. */
  signal?: AbortSignal;
  /** Called once the load starts, with its live request count. */
  onStart?: (live: LiveLoad) => void;
}

/** A recorder that counts requests as they complete, for the monitor's requests_total. */
function countingRecorder(stats: StatsSet, counter: { n: number }): Recorder {
  return {
    record(method: string, name: string, latencyUs: number, bytes: number, error?: RecordedError, corrected?: number) {
      counter.n++;
      stats.record(method, name, latencyUs, bytes, error, corrected);
    },
    recordException: (e: unknown) => stats.recordException(e),
    recordCheck: (n: string, p: boolean) => stats.recordCheck(n, p),
  };
}

/** Waits for request `i`'s turn: its slot in the open model, none in the closed one. False when the load is over. */
async function waitTurn(o: HttpLoadOptions, clock: Clock, at: { startMs: number; endMs: number; i: number }, signal: AbortSignal): Promise<boolean> {
  if (o.rate) {
    const slotMs = at.startMs + (at.i * 1000) / o.rate;
    if (slotMs >= at.endMs) return false;
    await clock.sleep(slotMs - clock.now(), signal);
  } else if (clock.now() >= at.endMs) return false;
  return !signal.aborted;
}

/** Folds the recorder into the Aggregate once a second (the per-second time series), until the load ends. */
async function foldEverySecond(clock: Clock, at: { startMs: number; endMs: number; connections: number }, stats: StatsSet, aggregate: Aggregate, signal: AbortSignal): Promise<void> {
  for (let second = 1; !signal.aborted; second++) {
    await clock.sleep(at.startMs + second * 1000 - clock.now(), signal);
    if (signal.aborted || clock.now() > at.endMs + 50) break;
    aggregate.merge(stats.snapshot());
    aggregate.tick(second, at.connections);
  }
}

/** Runs the load to its end (or abort) and returns its Aggregate. */
export async function runHttpLoad(o: HttpLoadOptions): Promise<LoadResult> {
  const clock = o.clock ?? systemClock;
  const connections = o.connections ?? 10;
  const stats = new StatsSet();
  const aggregate = new Aggregate();
  const counter = { n: 0 };
  const dispatcher = createDispatcher({ connectionsPerOrigin: connections });
  const session = createHttpSession({ baseUrl: o.baseUrl, recorder: countingRecorder(stats, counter), dispatcher } as any);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const startMs = clock.now();
  const startedAtWallMs = clock.wallNow();
  const endMs = startMs + o.durationS * 1000;
  let next = 0;
  o.onStart?.({ requests: () => counter.n });

  const loop = async () => {
    while (!stop.signal.aborted) {
      const i = next++;
      if (!(await waitTurn(o, clock, { startMs, endMs, i }, stop.signal))) break;
      const { method = 'GET', path, ...rest } = o.requests[i % o.requests.length]!;
      await session.request(method, path, rest);
    }
  };
  const ticker = foldEverySecond(clock, { startMs, endMs, connections }, stats, aggregate, stop.signal);
  await Promise.all(Array.from({ length: connections }, loop));
  stop.abort();
  o.signal?.removeEventListener('abort', onAbort);
  await ticker;
  await dispatcher.destroy();
  const durationS = (clock.now() - startMs) / 1000;
  aggregate.merge(stats.snapshot());
  aggregate.tick(durationS, 0);
  return {
    aggregate,
    startedAtWallMs,
    endedAtWallMs: clock.wallNow(),
    durationS,
    config: { host: o.baseUrl, users: connections, spawn_rate: null, run_time_s: o.durationS, user_classes: [], model: o.rate ? 'open' : 'closed' },
    loopLagP99Ms: 0,
    threads: 0,
  };
}
