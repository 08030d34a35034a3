/**
 * Is the generator the bottleneck? When its own CPU or its event loop is pinned, the latency it measures includes
 * its own queueing and the target's figures are suspect. Judged on sustained readings (a share of the samples),
 * not a single spike.
 */
import type { MonitorSample } from './types.ts';

/** Options of assessSaturation. */
export interface SaturationOptions {
  /** Cores the generator may use (threads + main, capped by os.availableParallelism()). */
  usableCores: number;
  /** CPU share of the usable cores counted as pinned, percent (default 90). */
  cpuLimitPct?: number;
  /** Event-loop delay p99 counted as late, ms (default 50). */
  loopLagLimitMs?: number;
  /** Share of samples that must be over a limit (default 0.25). */
  sustainedShare?: number;
}

/** The verdict, with the figures the report's `generator` section carries. */
export interface SaturationVerdict {
  saturated: boolean;
  reason: string;
  cpu_max_pct: number;
  loop_lag_p99_ms: number;
}

function p99(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
}

/** Judges the generator's samples. */
export function assessSaturation(samples: readonly MonitorSample[], options: SaturationOptions): SaturationVerdict {
  const cpuLimit = (options.cpuLimitPct ?? 90) * options.usableCores;
  const lagLimit = options.loopLagLimitMs ?? 50;
  const need = Math.max(1, Math.ceil((options.sustainedShare ?? 0.25) * samples.length));
  const cpuOver = samples.filter((s) => s.gen_cpu_pct >= cpuLimit).length;
  const lagOver = samples.filter((s) => s.gen_loop_lag_p99_ms > lagLimit).length;
  const figures = {
    cpu_max_pct: Math.max(0, ...samples.map((s) => s.gen_cpu_pct)),
    loop_lag_p99_ms: p99(samples.map((s) => s.gen_loop_lag_p99_ms)),
  };
  const reasons: string[] = [];
  if (samples.length > 0 && cpuOver >= need) {
    reasons.push(`generator CPU ≥ ${cpuLimit}% (${options.usableCores} usable cores) in ${cpuOver} of ${samples.length} samples`);
  }
  if (samples.length > 0 && lagOver >= need) {
    reasons.push(`event-loop lag p99 > ${lagLimit} ms in ${lagOver} of ${samples.length} samples`);
  }
  if (reasons.length === 0) return { saturated: false, reason: 'generator CPU and event-loop lag within limits', ...figures };
  return { saturated: true, reason: `${reasons.join('; ')}: the generator limited the load, latency figures are suspect`, ...figures };
}
