/**
 * The live charts (uPlot, canvas): requests and failures per second, latency percentiles, users, and the system tab's
 * CPU. Fed one point a second; a reload refills them from the server's bounded history (the snapshot).
 */
import uPlot from 'uplot';
import type { ChartPoint, SystemSample } from '../api-types.ts';
import { byId, fmtDuration } from './dom.ts';

/** Points kept in the browser: the server's default history (2 hours of seconds). */
const MAX_POINTS = 7_200;
const HEIGHT = 230;
/** Tick spacings of the time axis, in seconds: labels fall on whole seconds and round minutes. */
const WHOLE_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];

interface SeriesSpec {
  label: string;
  color: string;
  fill?: string;
}

/** One chart over run time (seconds) with a fixed set of series. */
class LiveChart {
  readonly #el: HTMLElement;
  readonly #data: number[][];
  readonly #plot: uPlot;
  #dirty = false;

  constructor(id: string, title: string, series: SeriesSpec[], unit: (v: number) => string, xLabel = fmtDuration) {
    this.#el = byId(id);
    this.#data = [[], ...series.map(() => [])];
    const opts: uPlot.Options = {
      title,
      width: this.#width(),
      height: HEIGHT,
      scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { values: (_u, splits) => splits.map((s) => xLabel(s)), incrs: WHOLE_SECONDS, space: 70, stroke: '#667085', grid: { stroke: '#eef1f5' } },
        { values: (_u, splits) => splits.map(unit), size: 64, stroke: '#667085', grid: { stroke: '#eef1f5' } },
      ],
      series: [
        { label: 'Time', value: (_u, v) => (v == null ? '–' : xLabel(v)) },
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, fill: s.fill, points: { show: false }, value: (_u: uPlot, v: number | null) => (v == null ? '–' : unit(v)) })),
      ],
      cursor: { drag: { x: false, y: false } },
    };
    this.#plot = new uPlot(opts, this.#data as uPlot.AlignedData, this.#el);
  }

  #width(): number {
    const w = this.#el.clientWidth || document.querySelector('main')?.clientWidth || 900;
    return Math.max(300, w - 24);
  }

  /** Removes every point. */
  clear(): void {
    for (const d of this.#data) d.length = 0;
    this.#dirty = true;
  }

  /** Appends a point (x first, then one value per series); points at or before the last x are ignored. */
  push(x: number, values: number[]): void {
    const xs = this.#data[0]!;
    if (xs.length > 0 && x <= xs[xs.length - 1]!) return;
    xs.push(x);
    values.forEach((v, i) => this.#data[i + 1]!.push(v));
    if (xs.length > MAX_POINTS) for (const d of this.#data) d.shift();
    this.#dirty = true;
  }

  /** Redraws if data changed (call once per frame). */
  render(): void {
    if (!this.#dirty || this.#el.offsetParent === null) return;
    this.#dirty = false;
    this.#plot.setData(this.#data as uPlot.AlignedData);
  }

  /** Fits the chart to its container (after a resize or when its tab is shown). */
  resize(): void {
    if (this.#el.offsetParent === null) return;
    this.#plot.setSize({ width: this.#width(), height: HEIGHT });
    this.#dirty = true;
    this.render();
  }
}

const num = (digits: number) => (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: digits });
const clock = (v: number) => new Date(v * 1000).toLocaleTimeString('en-GB');

/** The run charts and the system chart. */
export class Charts {
  readonly #rps = new LiveChart('chart-rps', 'Requests per second', [
    { label: 'RPS', color: '#2f6fed', fill: 'rgba(47,111,237,0.08)' },
    { label: 'Failures/s', color: '#d92d20' },
  ], num(1));
  readonly #latency = new LiveChart('chart-latency', 'Response times (ms)', [
    { label: 'p50', color: '#12805c' },
    { label: 'p95', color: '#f79009' },
    { label: 'p99', color: '#7a5af8' },
  ], num(1));
  readonly #users = new LiveChart('chart-users', 'Number of users', [{ label: 'Users', color: '#0e9384', fill: 'rgba(14,147,132,0.08)' }], num(0));
  readonly #system = new LiveChart('chart-system', 'CPU (% of one core)', [
    { label: 'Generator', color: '#2f6fed' },
    { label: 'Target', color: '#d92d20' },
  ], num(0), clock);

  /** Forgets the run charts (a new test, or a snapshot about to refill them). */
  clearRun(): void {
    for (const c of [this.#rps, this.#latency, this.#users]) c.clear();
  }

  /** Adds run points (already-seen ones are skipped by time). */
  addPoints(points: readonly ChartPoint[]): void {
    for (const p of points) {
      this.#rps.push(p.t, [p.rps, p.failures_per_s]);
      this.#latency.push(p.t, [p.p50_ms, p.p95_ms, p.p99_ms]);
      this.#users.push(p.t, [p.users]);
    }
  }

  /** Adds a system sample. */
  addSystem(s: SystemSample): void {
    this.#system.push(Math.floor(s.time / 1000), [s.generatorCpuPct, s.target?.cpuPct ?? 0]);
  }

  /** Redraws the visible charts. */
  render(): void {
    for (const c of [this.#rps, this.#latency, this.#users, this.#system]) c.render();
  }

  /** Fits the visible charts to their width. */
  resize(): void {
    for (const c of [this.#rps, this.#latency, this.#users, this.#system]) c.resize();
  }
}
