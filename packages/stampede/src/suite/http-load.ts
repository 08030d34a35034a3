/**
 * A plain HTTP load for suite workloads: `connections` closed loops (or `rate` requests per second, paced) over a
 * fixed list of requests taken round-robin — the engine's raw loop over undici, as `stampede quick` over https, with
 * its corrected latency when paced — recorded into one StatsSet folded every second into an Aggregate.
 */
import { systemClock, type Clock } from '../clock.ts';
import { createDispatcher } from '../http/dispatcher.ts';
import { UndiciLoadLoop, type LoopRequest } from '../runner/raw/undici-loop.ts';
import { ForwardingRecorder, type RecordedError } from '../stats/recorder.ts';
import { Aggregate } from '../stats/aggregate.ts';
import { StatsSet } from '../stats/stats-set.ts';
import type { MetricTags } from '../stats/types.ts';
import type { LiveLoad, LoadResult } from './load-result.ts';

/** One request of the round-robin list. */
export type HttpLoadRequest = LoopRequest;

/** Options of runHttpLoad. */
export interface HttpLoadOptions {
  baseUrl: string;
  requests: readonly HttpLoadRequest[];
  /** Concurrent connections (closed loops), default 10. */
  connections?: number;
  durationS: number;
  /** Requests per second over all connections (open model); omit for closed loops. */
  rate?: number;
  /** The time series' clock (the loop itself paces on performance.now()). */
  clock?: Clock;
  /** Aborts the load early. */
  signal?: AbortSignal;
  /** Called once the load starts, with its live request count. */
  onStart?: (live: LiveLoad) => void;
}

/** A recorder that counts requests as they complete, for the monitor's requests_total. */
class CountingRecorder extends ForwardingRecorder {
  requests = 0;

  override record(method: string, name: string, latencyUs: number, bytes: number, error?: RecordedError, corrected?: number, tags?: MetricTags): void {
    this.requests++;
    this.inner.record(method, name, latencyUs, bytes, error, corrected, tags);
  }
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
  const counter = new CountingRecorder(stats);
  const startMs = clock.now();
  const startedAtWallMs = clock.wallNow();
  const endMs = startMs + o.durationS * 1000;
  // The engine's raw loop: paced, each request is measured from its slot too (coordinated omission corrected).
  const loopStartMs = performance.now();
  const loop = new UndiciLoadLoop({
    baseUrl: o.baseUrl,
    requests: o.requests,
    connections,
    dispatcher: createDispatcher({ connectionsPerOrigin: connections }),
    recorder: counter,
    pacing: o.rate ? { firstSlotMs: loopStartMs, intervalMs: 1000 / o.rate } : undefined,
  });
  const stop = new AbortController();
  const onAbort = () => loop.stop();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  o.onStart?.({ requests: () => counter.requests });
  const ticker = foldEverySecond(clock, { startMs, endMs, connections }, stats, aggregate, stop.signal);
  if (o.signal?.aborted) loop.stop();
  await loop.run(loopStartMs + o.durationS * 1000);
  stop.abort();
  o.signal?.removeEventListener('abort', onAbort);
  await ticker;
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
