/**
 * The HTML report's own script (inlined after uPlot by html-assets.ts, under a hash-pinned CSP): draws the
 * charts described by the page's inert JSON data block and makes tables with class `sortable` sortable. It never
 * writes HTML: every text it shows goes through textContent or uPlot's own text nodes.
 */
import type UPlot from 'uplot';
import type { ChartSpec } from '../html-charts.ts';

// uPlot's prebuilt IIFE runs first in the same inline script and defines the global (html-assets.ts).
declare const uPlot: typeof UPlot;
type uPlot = UPlot;

const PALETTE = ['#2f6fde', '#d9480f', '#2b8a3e', '#ae3ec9', '#e67700', '#0c8599', '#c2255c', '#5c7cfa', '#868e96', '#74b816'];
const HEIGHT = 260;

function fmtNumber(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  return a >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

function fmtSeconds(s: number): string {
  if (s < 120) return `${Math.round(s)}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m${Math.round(s % 60) ? `${Math.round(s % 60)}s` : ''}`;
  return `${(s / 3600).toFixed(1)}h`;
}

/** Percentile at a position of the nines axis (0 → 0 %, 1 → 90 %, 2 → 99 % ...). */
function fmtNines(x: number): string {
  const p = 100 * (1 - 10 ** -x);
  return `${Number(p.toFixed(Math.max(0, Math.ceil(x) - 2)))}%`;
}

function xAxis(spec: ChartSpec): uPlot.Axis {
  const base = { stroke: '#5b6475', grid: { stroke: '#eef1f5' } };
  if (spec.xKind === 'nines') {
    const max = Math.ceil(spec.x[spec.x.length - 1] ?? 0);
    return { ...base, splits: () => Array.from({ length: max + 1 }, (_, i) => i), values: (_u, splits) => splits.map(fmtNines) };
  }
  if (spec.xKind === 'runs') {
    const labels = spec.xLabels ?? [];
    return { ...base, space: 90, incrs: [1, 2, 5, 10, 20, 50, 100], values: (_u, splits) => splits.map((s) => labels[Math.round(s)] ?? '') };
  }
  return { ...base, space: 60, incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400], values: (_u, splits) => splits.map(fmtSeconds) };
}

function xValue(spec: ChartSpec): (u: uPlot, v: number) => string {
  if (spec.xKind === 'nines') return (_u, v) => (v === null ? '' : fmtNines(v));
  if (spec.xKind === 'runs') return (_u, v) => (v === null ? '' : (spec.xLabels?.[Math.round(v)] ?? ''));
  return (_u, v) => (v === null ? '' : fmtSeconds(v));
}

function drawChart(spec: ChartSpec, host: HTMLElement): void {
  const title = document.createElement('div');
  title.className = 'title';
  title.textContent = spec.title;
  host.appendChild(title);
  const opts: uPlot.Options = {
    width: Math.max(320, host.clientWidth || 600),
    height: HEIGHT,
    scales: { x: { time: false }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.08 : 1] } },
    axes: [xAxis(spec), { label: spec.yLabel, stroke: '#5b6475', grid: { stroke: '#eef1f5' }, size: 60, values: (_u, s) => s.map(fmtNumber) }],
    series: [
      { label: spec.xKind === 'nines' ? 'percentile' : spec.xKind === 'runs' ? 'run' : 't', value: xValue(spec) },
      ...spec.series.map((s, i) => ({
        label: s.label,
        show: s.show !== false,
        stroke: PALETTE[i % PALETTE.length],
        width: 1.5,
        spanGaps: false,
        points: { show: spec.x.length <= 60 },
        value: (_u: uPlot, v: number | null) => fmtNumber(v),
      })),
    ],
    legend: { live: true },
  };
  const data = [spec.x, ...spec.series.map((s) => s.values)] as uPlot.AlignedData;
  const plot = new uPlot(opts, data, host);
  new ResizeObserver(() => {
    const w = Math.max(320, host.clientWidth);
    if (Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: HEIGHT });
  }).observe(host);
}

function cellValue(row: HTMLTableRowElement, col: number): string | number {
  const cell = row.cells[col];
  const v = cell?.dataset.v;
  if (v !== undefined && v !== '' && !Number.isNaN(Number(v))) return Number(v);
  return cell?.textContent ?? '';
}

function makeSortable(table: HTMLTableElement): void {
  const body = table.tBodies[0];
  if (!body) return;
  Array.from(table.tHead?.rows[0]?.cells ?? []).forEach((th, col) => {
    th.tabIndex = 0;
    const sort = () => {
      const asc = th.getAttribute('aria-sort') !== 'ascending';
      for (const other of Array.from(th.parentElement?.children ?? [])) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      const rows = Array.from(body.rows).sort((a, b) => {
        const x = cellValue(a, col);
        const y = cellValue(b, col);
        const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return asc ? c : -c;
      });
      for (const r of rows) body.appendChild(r);
    };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', (e) => (e.key === 'Enter' ? sort() : undefined));
  });
}

function main(): void {
  const raw = document.getElementById('report-data')?.textContent ?? '{}';
  const data = JSON.parse(raw) as { charts?: ChartSpec[] };
  for (const spec of data.charts ?? []) {
    const host = document.querySelector<HTMLElement>(`[data-chart="${CSS.escape(spec.id)}"]`);
    if (!host) continue;
    try {
      drawChart(spec, host);
    } catch (err) {
      host.textContent = `chart unavailable: ${String(err)}`;
    }
  }
  document.querySelectorAll<HTMLTableElement>('table.sortable').forEach(makeSortable);
}

main();
