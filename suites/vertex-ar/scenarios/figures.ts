/** Figures the scenarios compute beside the framework's own: per-endpoint p95, transfer tallies, small statistics. */
import type { LoadResult } from 'stampede-load/suite';

const r1 = (v: number) => Math.round(v * 10) / 10;

/** p95 (ms) of one endpoint of a load, or null when it saw no request. */
export function endpointP95Ms(load: LoadResult, method: string, name: string): number | null {
  const e = load.aggregate.endpoints(load.durationS).find((x) => x.method === method && x.name === name);
  return e && e.requests > 0 ? e.latency.summaryMs().p95 : null;
}

/** Nearest-rank percentile of `values` (0–100), or null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** A successful request count of one endpoint of a load. */
export function successes(load: LoadResult, method: string, name: string): number {
  const e = load.aggregate.endpoints(load.durationS).find((x) => x.method === method && x.name === name);
  return e ? e.requests - e.failures : 0;
}

/**
 * Transfer figures of one endpoint, under `prefix`: `_count` (successful), `_mb_per_s` (per transfer: its bytes over
 * the mean service time — what one client sees), `_p50_ms`, `_p95_ms`. Bytes per transfer: `bytesEach` for uploads;
 * for downloads (omit it) the bytes received. One rate per transfer kind: an aggregate over the load's duration
 * under a similar name read as the same figure and disagreed with it.
 */
export function transferFigures(load: LoadResult, method: string, name: string, prefix: string, bytesEach?: number): Record<string, number | null> {
  const e = load.aggregate.endpoints(load.durationS).find((x) => x.method === method && x.name === name);
  const ok = e ? e.requests - e.failures : 0;
  if (!e || ok === 0) return { [`${prefix}_count`]: 0, [`${prefix}_mb_per_s`]: null, [`${prefix}_p50_ms`]: null, [`${prefix}_p95_ms`]: null };
  const bytes = bytesEach !== undefined ? bytesEach * ok : e.bytesReceived;
  const l = e.latency.summaryMs();
  return {
    [`${prefix}_count`]: ok,
    [`${prefix}_mb_per_s`]: l.mean > 0 ? r1(bytes / ok / 1e6 / (l.mean / 1000)) : null,
    [`${prefix}_p50_ms`]: l.p50,
    [`${prefix}_p95_ms`]: l.p95,
  };
}

/** Failure share of a load (0–1), four decimals. */
export function failureRate(load: LoadResult): number {
  const t = load.aggregate.totals(load.durationS);
  return t.requests ? Math.round((t.failures / t.requests) * 1e4) / 1e4 : 0;
}
