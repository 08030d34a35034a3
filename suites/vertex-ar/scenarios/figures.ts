/** Figures the scenarios compute beside the framework's own: per-endpoint p95, transfer tallies, small statistics. */
import type { LoadResult } from 'stampede';

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

/** Bytes moved by successful transfers of one kind, with each transfer's service time. */
export class TransferTally {
  bytes = 0;
  readonly latenciesMs: number[] = [];
  /** Per-transfer rates, MB/s (10^6 bytes). */
  readonly mbPerS: number[] = [];

  add(bytes: number, latencyMs: number): void {
    this.bytes += bytes;
    this.latenciesMs.push(latencyMs);
    if (latencyMs > 0) this.mbPerS.push(bytes / 1e6 / (latencyMs / 1000));
  }

  /** `<prefix>_count`, `_mb`, `_mb_per_s` (mean per transfer), `_throughput_mb_per_s` (over `durationS`), `_p50_ms`, `_p95_ms`. */
  figures(prefix: string, durationS: number): Record<string, number | null> {
    const mean = this.mbPerS.length ? this.mbPerS.reduce((a, b) => a + b, 0) / this.mbPerS.length : null;
    return {
      [`${prefix}_count`]: this.latenciesMs.length,
      [`${prefix}_mb`]: r1(this.bytes / 1e6),
      [`${prefix}_mb_per_s`]: mean === null ? null : r1(mean),
      [`${prefix}_throughput_mb_per_s`]: durationS > 0 ? r1(this.bytes / 1e6 / durationS) : null,
      [`${prefix}_p50_ms`]: percentile(this.latenciesMs, 50),
      [`${prefix}_p95_ms`]: percentile(this.latenciesMs, 95),
    };
  }
}

/** Failure share of a load (0–1), four decimals. */
export function failureRate(load: LoadResult): number {
  const t = load.aggregate.totals(load.durationS);
  return t.requests ? Math.round((t.failures / t.requests) * 1e4) / 1e4 : 0;
}
