/**
 * Custom metric series as every output shows them: the report's rows (built here from the Aggregate's views), and
 * the one-line figures the console, the HTML report and the web UI print for a row.
 */
import type { MetricView } from '../stats/metric-series.ts';
import type { ReportMetric } from './report-types.ts';

/**
 * A custom metric series as the report shows it (and the console, HTML report and web UI, which print these rows).
 * @param durationS seconds for a counter's rate
 */
export function metricRowOf(m: MetricView, durationS: number): ReportMetric {
  const row: ReportMetric = { name: m.name, type: m.kind, tags: { ...m.tags }, samples: m.samples };
  switch (m.kind) {
    case 'counter':
      return { ...row, count: m.sum, rate: durationS > 0 ? m.sum / durationS : 0 };
    case 'rate':
      return { ...row, rate: m.samples > 0 ? m.sum / m.samples : 0, count: m.sum };
    case 'gauge':
      return { ...row, value: m.value, min: m.min, max: m.max };
    case 'trend':
      // The trend keeps thousandths as a latency keeps µs: its summary in "ms" is in the unit of the values added.
      return { ...row, ...m.trend!.summaryMs() };
  }
}

/** `name{tag:value,…}`: a series as thresholds select it. */
export function metricSelector(m: Pick<ReportMetric, 'name' | 'tags'>): string {
  const tags = Object.entries(m.tags).map(([k, v]) => `${k}:${v}`);
  return tags.length > 0 ? `${m.name}{${tags.join(',')}}` : m.name;
}

/** A number for a table: integers as they are, others to 4 significant decimals. */
function num(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '-';
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 10_000) / 10_000);
}

/** The figures of one row, by type: `count=12 rate=4/s`, `rate=0.5 (6 of 12)`, `value=3 min=0 max=3`, `avg=… p95=…`. */
export function metricFigures(r: ReportMetric): string {
  switch (r.type) {
    case 'counter':
      return `count=${num(r.count)} rate=${num(r.rate)}/s`;
    case 'rate':
      return `rate=${num(r.rate)} (${num(r.count)} of ${r.samples})`;
    case 'gauge':
      return `value=${num(r.value)} min=${num(r.min)} max=${num(r.max)}`;
    case 'trend':
      return `avg=${num(r.mean)} min=${num(r.min)} med=${num(r.p50)} p90=${num(r.p90)} p95=${num(r.p95)} p99=${num(r.p99)} max=${num(r.max)}`;
  }
}
