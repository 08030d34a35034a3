/**
 * The figures every test reports without being asked (from its primary load and its monitor samples), its headline
 * figures, and the evaluation of pass criteria against the test's metrics.
 */
import type { LeakVerdict } from '../monitor/leak-detector.ts';
import type { SaturationVerdict } from '../monitor/saturation.ts';
import type { MonitorSample } from '../monitor/types.ts';
import type { LoadResult } from './load-result.ts';
import type { HeadlineFigure, HeadlineSpec, PassCriterion, TestSummary } from './types.ts';

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

/**
 * Bytes moved over the samples: each sample's rate (bytes/s over the interval before it) times that interval. The
 * first sample's interval began when the monitor started (t = 0).
 */
function bytesOf(samples: readonly MonitorSample[], key: 'disk_read_bps' | 'disk_write_bps' | 'net_rx_bps' | 'net_tx_bps' | 'net_lo_rx_bps' | 'net_lo_tx_bps'): number | null {
  let total = 0;
  let seen = false;
  let prevT = 0;
  for (const s of samples) {
    const v = s[key];
    if (typeof v === 'number' && Number.isFinite(v)) {
      total += v * Math.max(0, s.t - prevT);
      seen = true;
    }
    prevT = s.t;
  }
  return seen ? Math.round(total) : null;
}

/** Resource figures over the test's monitor samples: CPU, memory, disk and network (machine-wide, as sampled). */
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
    disk_read_bytes: bytesOf(samples, 'disk_read_bps'),
    disk_write_bytes: bytesOf(samples, 'disk_write_bps'),
    disk_read_max_bps: maxOf(samples, 'disk_read_bps'),
    disk_write_max_bps: maxOf(samples, 'disk_write_bps'),
    net_rx_bytes: bytesOf(samples, 'net_rx_bps'),
    net_tx_bytes: bytesOf(samples, 'net_tx_bps'),
    net_rx_max_bps: maxOf(samples, 'net_rx_bps'),
    net_tx_max_bps: maxOf(samples, 'net_tx_bps'),
    net_lo_rx_bytes: bytesOf(samples, 'net_lo_rx_bps'),
    net_lo_tx_bytes: bytesOf(samples, 'net_lo_tx_bps'),
    gen_cpu_mean_pct: meanOf(samples, 'gen_cpu_pct'),
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

/** Headline figures of a test that names none: its request rate and p95, and its failure rate when any failed. */
export function defaultHeadline(metrics: Metrics): HeadlineSpec[] {
  const specs: HeadlineSpec[] = [
    { metric: 'rps', label: '', unit: 'req/s' },
    { metric: 'p95_ms', label: 'p95', unit: 'ms' },
  ];
  if (typeof metrics.failures === 'number' && metrics.failures > 0) specs.push({ metric: 'failure_rate', label: 'failures', unit: '%', scale: 100 });
  return specs;
}

/** The headline specs filled from the metrics (scaled; null when the test did not measure the figure). */
export function headlineFigures(specs: readonly HeadlineSpec[], metrics: Metrics): HeadlineFigure[] {
  return specs.map((h) => {
    const raw = metrics[h.metric];
    const value = typeof raw === 'number' && h.scale !== undefined ? Number((raw * h.scale).toPrecision(6)) : raw ?? null;
    return { metric: h.metric, label: h.label, unit: h.unit ?? '', value };
  });
}
