/**
 * Chart data of the HTML report, computed in Node and embedded as JSON for the client (ui/report-client.ts):
 * the per-second series, the latency percentile spectrum per endpoint (from the decoded histograms) and the
 * monitor's charts. Long series are bucketed to a fixed number of points so a 24-hour run stays small.
 */
import { LatencyAccumulator, decodeLatencyHistogram } from '../stats/latency-accumulator.ts';
import type { TimeseriesPoint } from '../stats/types.ts';
import type { ReportEndpoint, ReportMonitor } from './report-types.ts';

/** How the client draws the x axis. */
export type ChartXKind = 'seconds' | 'nines' | 'runs';

/** One chart, as embedded in the page. */
export interface ChartSpec {
  /** Matches the `data-chart` attribute of its container. */
  id: string;
  title: string;
  /** y-axis label with the unit. */
  yLabel: string;
  xKind: ChartXKind;
  x: number[];
  /** Labels of x positions for 'runs' charts (run names); one per x. */
  xLabels?: string[];
  series: Array<{ label: string; values: Array<number | null>; show?: boolean }>;
}

/** At most this many points per chart series; more are bucketed (mean, or max for tail latency). */
export const MAX_CHART_POINTS = 1500;

/** Percentiles of the spectrum chart, 0 to 99.999. */
export const SPECTRUM_PERCENTILES = [
  0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 97.5, 98, 98.5, 99, 99.25, 99.5, 99.75, 99.9, 99.95,
  99.99, 99.995, 99.999,
] as const;

/** Endpoints whose spectrum is visible at first (the busiest); the others are one legend click away. */
const SPECTRUM_VISIBLE = 8;

/** 4 significant digits: the charts cannot show more, and it halves the embedded size. */
export function roundForChart(v: unknown): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  return v === 0 ? 0 : Number(v.toPrecision(4));
}

type Reduce = 'mean' | 'max';

/** Bucket equal runs of points: x is each bucket's first x; each column reduced by its own rule. */
export function downsample(x: number[], columns: Array<{ values: Array<number | null>; reduce: Reduce }>, max = MAX_CHART_POINTS) {
  if (x.length <= max) return { x, columns: columns.map((c) => c.values) };
  const size = Math.ceil(x.length / max);
  const bx: number[] = [];
  for (let i = 0; i < x.length; i += size) bx.push(x[i]);
  const out = columns.map(({ values, reduce }) => {
    const r: Array<number | null> = [];
    for (let i = 0; i < values.length; i += size) {
      let acc: number | null = null;
      let n = 0;
      for (let j = i; j < Math.min(values.length, i + size); j++) {
        const v = values[j];
        if (v === null) continue;
        n++;
        acc = acc === null ? v : reduce === 'max' ? Math.max(acc, v) : acc + v;
      }
      r.push(acc === null ? null : reduce === 'mean' ? acc / n : acc);
    }
    return r.map(roundForChart);
  });
  return { x: bx, columns: out };
}

/** RPS and failures/s, latency percentiles, and users over time. */
export function timeseriesCharts(points: readonly TimeseriesPoint[]): ChartSpec[] {
  if (points.length === 0) return [];
  const col = (k: keyof TimeseriesPoint, reduce: Reduce) => ({ values: points.map((p) => roundForChart(p[k])), reduce });
  const { x, columns } = downsample(
    points.map((p) => roundForChart(p.t) ?? 0),
    [col('rps', 'mean'), col('failures_per_s', 'mean'), col('p50_ms', 'mean'), col('p95_ms', 'max'), col('p99_ms', 'max'), col('users', 'max')],
  );
  const [rps, fails, p50, p95, p99, users] = columns;
  return [
    { id: 'ts-rps', title: 'Requests and failures per second', yLabel: 'per second', xKind: 'seconds', x, series: [{ label: 'RPS', values: rps }, { label: 'failures/s', values: fails }] },
    { id: 'ts-latency', title: 'Latency percentiles', yLabel: 'ms', xKind: 'seconds', x, series: [{ label: 'p50', values: p50 }, { label: 'p95', values: p95 }, { label: 'p99', values: p99 }] },
    { id: 'ts-users', title: 'Users', yLabel: 'users', xKind: 'seconds', x, series: [{ label: 'users', values: users }] },
  ];
}

/** Position of percentile p on the "nines" axis: 0 → 0, 90 → 1, 99 → 2, 99.9 → 3 ... */
export function ninesOf(p: number): number {
  return -Math.log10(1 - p / 100);
}

/** One latency-spectrum series per endpoint with requests (histograms that fail to decode are left out). */
export function spectrumChart(endpoints: readonly ReportEndpoint[]): ChartSpec | null {
  const rows: Array<{ label: string; values: Array<number | null>; requests: number }> = [];
  for (const e of endpoints) {
    if (e.requests === 0) continue;
    try {
      const acc = new LatencyAccumulator();
      const hist = decodeLatencyHistogram(e.histogram);
      const l = e.latency_ms;
      acc.add(hist, { sumUs: l.mean * 1000 * hist.totalCount, minUs: l.min * 1000, maxUs: l.max * 1000 });
      if (acc.count === 0) continue;
      rows.push({ label: `${e.method} ${e.name}`, values: acc.percentilesMs(SPECTRUM_PERCENTILES).map(roundForChart), requests: e.requests });
    } catch {
      // A damaged histogram costs its spectrum, not the report.
    }
  }
  if (rows.length === 0) return null;
  const visible = new Set([...rows].sort((a, b) => b.requests - a.requests).slice(0, SPECTRUM_VISIBLE));
  return {
    id: 'spectrum',
    title: 'Latency by percentile',
    yLabel: 'ms',
    xKind: 'nines',
    x: SPECTRUM_PERCENTILES.map((p) => roundForChart(ninesOf(p)) ?? 0),
    series: rows.map((r) => ({ label: r.label, values: r.values, show: visible.has(r) })),
  };
}

interface MonitorGroup {
  owner: string;
  unit: string;
  scale: number;
  keys: string[];
}

const OWNER_ORDER = ['Generator', 'Target', 'Machine'];
const UNIT_ORDER = ['CPU %', 'memory MiB', 'MiB/s', 'ms', 'count'];

/** Owner and unit of a monitor key from its name: `target_…`/`gen_…` prefixes, unit suffixes. */
function classify(key: string): { owner: string; unit: string; scale: number } {
  const owner = key.startsWith('target') ? 'Target' : key.startsWith('gen_') || key.startsWith('generator_') ? 'Generator' : 'Machine';
  if (/_pct$|cpu/.test(key)) return { owner, unit: 'CPU %', scale: 1 };
  if (/_bytes$|rss|heap/.test(key)) return { owner, unit: 'memory MiB', scale: 1 / 1048576 };
  if (/_bps$/.test(key)) return { owner, unit: 'MiB/s', scale: 1 / 1048576 };
  if (/_ms$/.test(key)) return { owner, unit: 'ms', scale: 1 };
  return { owner, unit: 'count', scale: 1 };
}

/** Numeric fields of a sample, nested objects flattened one level (`target_metrics.x`); arrays ignored. */
function numericFields(sample: Record<string, unknown>): Array<[string, number | null]> {
  const out: Array<[string, number | null]> = [];
  for (const [k, v] of Object.entries(sample)) {
    if (k === 't') continue;
    if (typeof v === 'number' || v === null) out.push([k, v]);
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) if (typeof v2 === 'number') out.push([`${k}.${k2}`, v2]);
    }
  }
  return out;
}

/**
 * One chart per (owner, unit) of the monitor's samples, whatever numeric fields they carry: generator and target
 * CPU and memory first. Fields that are never a number (all null) are left out.
 */
export function monitorCharts(monitor: ReportMonitor | undefined): ChartSpec[] {
  const samples = Array.isArray(monitor?.samples) ? monitor.samples.filter((s) => s && typeof s.t === 'number') : [];
  if (samples.length === 0) return [];
  const groups = new Map<string, MonitorGroup>();
  const seen = new Set<string>();
  for (const s of samples) {
    for (const [k, v] of numericFields(s)) {
      if (v === null || seen.has(k)) continue;
      seen.add(k);
      const c = k.includes('.') ? { owner: 'Target', unit: 'metrics', scale: 1 } : classify(k);
      const id = `${c.owner} ${c.unit}`;
      const g = groups.get(id) ?? { ...c, keys: [] };
      g.keys.push(k);
      groups.set(id, g);
    }
  }
  const rank = (g: MonitorGroup) => OWNER_ORDER.indexOf(g.owner) * 10 + (UNIT_ORDER.indexOf(g.unit) + 10) % 10;
  const flat = samples.map((s) => new Map(numericFields(s)));
  return [...groups.values()]
    .sort((a, b) => rank(a) - rank(b))
    .map((g, i) => {
      const cols = g.keys.map((k) => ({ values: flat.map((f) => { const v = f.get(k); return typeof v === 'number' ? v * g.scale : null; }), reduce: 'mean' as Reduce }));
      const { x, columns } = downsample(samples.map((s) => roundForChart(s.t) ?? 0), cols);
      return {
        id: `monitor-${i}`,
        title: `${g.owner} ${g.unit.replace(/ MiB$/, '')}`,
        yLabel: g.unit === 'memory MiB' ? 'MiB' : g.unit,
        xKind: 'seconds' as const,
        x,
        series: g.keys.map((k, j) => ({ label: k, values: columns[j].map(roundForChart) })),
      };
    });
}

type SampleColumn = [key: string, label: string, scale: number];

/** One chart of chosen monitor fields (scaled); null when none of them was ever a number. */
function sampleChart(samples: ReadonlyArray<Record<string, unknown>>, id: string, title: string, yLabel: string, columns: SampleColumn[]): ChartSpec | null {
  const present = columns.filter(([key]) => samples.some((s) => typeof s[key] === 'number'));
  if (present.length === 0) return null;
  const cols = present.map(([key, , scale]) => ({ values: samples.map((s) => (typeof s[key] === 'number' ? (s[key] as number) * scale : null)), reduce: 'mean' as Reduce }));
  const { x, columns: values } = downsample(samples.map((s) => roundForChart(s.t) ?? 0), cols);
  return { id, title, yLabel, xKind: 'seconds', x, series: present.map(([, label], i) => ({ label, values: values[i]!.map(roundForChart) })) };
}

const MIB = 1048576;

/**
 * The charts of one test in a suite report, ids under `prefix`: request rate and latency percentiles (per second),
 * then CPU of the target, the generator and the whole machine (all in percent of one core, so they add up), memory,
 * disk and network. One fixed set per test, so every section reads the same way.
 */
export function suiteTestCharts(report: { timeseries?: readonly TimeseriesPoint[]; monitor?: ReportMonitor }, prefix: string): ChartSpec[] {
  const perSecond = timeseriesCharts(report.timeseries ?? [])
    .filter((c) => c.id !== 'ts-users')
    .map((c) => ({ ...c, id: `${prefix}-${c.id}` }));
  const samples = (Array.isArray(report.monitor?.samples) ? report.monitor.samples : []).filter((s) => s && typeof s.t === 'number') as Array<Record<string, unknown>>;
  const perCore = samples.find((s) => Array.isArray(s.cpu_per_core_pct))?.cpu_per_core_pct as unknown[] | undefined;
  const cores = perCore?.length || 1;
  const monitor = [
    sampleChart(samples, `${prefix}-cpu`, 'CPU', '% of one core', [['target_cpu_pct', 'target', 1], ['gen_cpu_pct', 'generator', 1], ['cpu_pct', `machine (${cores} cores)`, cores]]),
    sampleChart(samples, `${prefix}-memory`, 'Memory', 'MiB', [['target_rss_bytes', 'target RSS', 1 / MIB], ['gen_rss_bytes', 'generator RSS', 1 / MIB]]),
    sampleChart(samples, `${prefix}-disk`, 'Disk', 'MiB/s', [['disk_read_bps', 'read', 1 / MIB], ['disk_write_bps', 'write', 1 / MIB]]),
    sampleChart(samples, `${prefix}-network`, 'Network', 'MiB/s', [['net_rx_bps', 'received', 1 / MIB], ['net_tx_bps', 'sent', 1 / MIB], ['net_lo_rx_bps', 'loopback', 1 / MIB]]),
  ].filter((c): c is ChartSpec => c !== null);
  return [...perSecond, ...monitor];
}
