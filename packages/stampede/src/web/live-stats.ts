/**
 * Reads the run's Aggregate into the UI's JSON shapes. No statistics of its own (docs/architecture.md "one aggregate,
 * many readers"): the only figure added is the current rate, the difference of two exact counts one second apart.
 */
import { metricRowOf } from '../report/metric-rows.ts';
import type { Aggregate, StatsEntryView } from '../stats/aggregate.ts';
import type { ExceptionRow, FailureRow, StatsResponse, StatsRow } from './api-types.ts';

const ROW_PERCENTILES = [50, 90, 95, 99] as const;

function keyOf(e: StatsEntryView): string {
  return `${e.method}\u0000${e.name}`;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Counts at the previous tick, to turn cumulative counts into "current" per-second rates. */
export class CurrentRates {
  #prev = new Map<string, { requests: number; failures: number }>();
  #next = new Map<string, { requests: number; failures: number }>();
  #current = new Map<string, { rps: number; fps: number }>();

  /** Call once per tick (after the second is folded in) with the entries and the totals. */
  tick(entries: readonly StatsEntryView[], dtS = 1): void {
    this.#next = new Map();
    this.#current = new Map();
    for (const e of entries) {
      const k = keyOf(e);
      const p = this.#prev.get(k);
      // After a reset the counts restart below the previous ones: the difference is the new count.
      const dReq = p && e.requests >= p.requests ? e.requests - p.requests : e.requests;
      const dFail = p && e.failures >= p.failures ? e.failures - p.failures : e.failures;
      this.#current.set(k, { rps: dReq / dtS, fps: dFail / dtS });
      this.#next.set(k, { requests: e.requests, failures: e.failures });
    }
    this.#prev = this.#next;
  }

  /** Forget everything (a new test). */
  clear(): void {
    this.#prev.clear();
    this.#current.clear();
  }

  /** Current rates of one entry (0 when it saw no tick yet). */
  of(e: StatsEntryView): { rps: number; fps: number } {
    return this.#current.get(keyOf(e)) ?? { rps: 0, fps: 0 };
  }
}

/** One table row. */
export function statsRow(e: StatsEntryView, rates: CurrentRates): StatsRow {
  const l = e.latency;
  const [p50, p90, p95, p99] = e.requests === 0 ? [0, 0, 0, 0] : l.percentilesMs(ROW_PERCENTILES);
  const current = rates.of(e);
  return {
    method: e.method,
    name: e.name,
    requests: e.requests,
    failures: e.failures,
    medianMs: p50!,
    p90Ms: p90!,
    p95Ms: p95!,
    p99Ms: p99!,
    meanMs: round3(l.meanUs / 1000),
    minMs: round3(l.minUs / 1000),
    maxMs: round3(l.maxUs / 1000),
    avgSizeBytes: e.requests === 0 ? 0 : Math.round(e.bytesReceived / e.requests),
    currentRps: round3(current.rps),
    currentFailuresPerS: round3(current.fps),
  };
}

/** Every endpoint row (none is cut) and the totals row. */
export function statsResponse(aggregate: Aggregate, rates: CurrentRates): StatsResponse {
  const totals = aggregate.totals();
  const metrics = aggregate.metrics().map((m) => metricRowOf(m, aggregate.elapsedS));
  return {
    rows: aggregate.endpoints().map((e) => statsRow(e, rates)),
    totals: statsRow(totals, rates),
    interrupted: totals.interrupted,
    ...(metrics.length > 0 ? { metrics } : {}),
  };
}

/** Failures, most frequent first. */
export function failureRows(aggregate: Aggregate): FailureRow[] {
  return aggregate.errors().map((e) => ({ method: e.method, name: e.name, kind: e.kind, error: e.error, count: e.count }));
}

/** Exceptions with their stacks, most frequent first. */
export function exceptionRows(aggregate: Aggregate): ExceptionRow[] {
  return aggregate.exceptions().map((x) => ({ message: x.message, stack: x.stack, count: x.count }));
}

/** A cheap signature of the failures and exceptions: the stream re-sends them only when it changes. */
export function problemsSignature(aggregate: Aggregate): string {
  const errors = aggregate.errors();
  const exceptions = aggregate.exceptions();
  let n = 0;
  for (const e of errors) n += e.count;
  let x = 0;
  for (const e of exceptions) x += e.count;
  return `${errors.length}:${n}:${exceptions.length}:${x}`;
}

/** Empty statistics (before the first test). */
export function emptyStats(): StatsResponse {
  const zero: StatsRow = {
    method: '', name: 'Aggregated', requests: 0, failures: 0, medianMs: 0, p90Ms: 0, p95Ms: 0, p99Ms: 0,
    meanMs: 0, minMs: 0, maxMs: 0, avgSizeBytes: 0, currentRps: 0, currentFailuresPerS: 0,
  };
  return { rows: [], totals: zero, interrupted: 0 };
}
