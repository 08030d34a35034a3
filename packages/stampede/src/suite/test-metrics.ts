/**
 * The figures every test reports without being asked (from its primary load and its monitor samples), and the
 * evaluation of pass criteria against the test's metrics.
 */
import type { LeakVerdict } from '../monitor/leak-detector.ts';
import type { SaturationVerdict } from '../monitor/saturation.ts';
import type { MonitorSample } from '../monitor/types.ts';
import type { LoadResult } from './load-result.ts';
import type { PassCriterion, TestSummary } from './types.ts';

type Metrics = TestSummary['metrics'];

const r1 = (v: number) => Math.round(v * 10) / 10;

function maxOf(samples: readonly MonitorSample[], key: keyof MonitorSample): number | null {
  const values = samples.map((s) => s[key]).filter((v): v is number => typeof v === 'number');
  return values.length ? Math.max(...values) : null;
}

function meanOf(samples: readonly MonitorSample[], key: keyof MonitorSample): number | null {
  const values = samples.map((s) => s[key]).filter((v): v is number => typeof v === 'number');
  return values.length ? r1(values.reduce((a, b) => a + b, 0) / values.length) : null;
}

/** Client-side figures of a load: counts, rates and latency percentiles (ms). */
export function loadMetrics(load: LoadResult): Metrics {
  const totals = load.aggregate.totals(load.durationS);
  const l = totals.latency.summaryMs();
  return {
    requests: totals.requests,
    failures: totals.failures,
    failure_rate: totals.requests ? Math.round((totals.failures / totals.requests) * 1e4) / 1e4 : 0,
    rps: r1(totals.rps),
    p50_ms: l.p50,
    p95_ms: l.p95,
    p99_ms: l.p99,
    max_ms: l.max,
    load_duration_s: r1(load.durationS),
  };
}

/** Resource figures over the test's monitor samples. */
export function monitorMetrics(samples: readonly MonitorSample[], saturation: SaturationVerdict, leak?: LeakVerdict): Metrics {
  const out: Metrics = {
    monitor_samples: samples.length,
    cpu_max_pct: maxOf(samples, 'cpu_pct'),
    cpu_mean_pct: meanOf(samples, 'cpu_pct'),
    mem_used_max_bytes: maxOf(samples, 'mem_used_bytes'),
    target_cpu_max_pct: maxOf(samples, 'target_cpu_pct'),
    target_cpu_mean_pct: meanOf(samples, 'target_cpu_pct'),
    target_rss_max_bytes: maxOf(samples, 'target_rss_bytes'),
    target_open_files_max: maxOf(samples, 'target_open_files'),
    gen_cpu_max_pct: saturation.cpu_max_pct,
    gen_loop_lag_p99_ms: saturation.loop_lag_p99_ms,
    generator_saturated: saturation.saturated,
  };
  if (leak) {
    out.leak_verdict = leak.verdict;
    out.leak_slope_bytes_per_request = leak.slope_bytes_per_request ?? null;
    out.leak_slope_bytes_per_s = leak.slope_bytes_per_s ?? null;
    out.leak_r2 = leak.r2 ?? null;
  }
  return out;
}

/** Criteria results: failed ones and ones whose metric is missing, each as a one-line reason. */
export function evaluateCriteria(criteria: readonly PassCriterion[], metrics: Metrics): { failed: string[]; missing: string[] } {
  const failed: string[] = [];
  const missing: string[] = [];
  for (const c of criteria) {
    const v = metrics[c.metric];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      missing.push(`${c.metric} was not measured`);
      continue;
    }
    if (c.max !== undefined && v > c.max) failed.push(`${c.metric} ${v} > ${c.max}`);
    if (c.min !== undefined && v < c.min) failed.push(`${c.metric} ${v} < ${c.min}`);
  }
  return { failed, missing };
}
