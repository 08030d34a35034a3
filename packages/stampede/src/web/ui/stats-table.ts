/**
 * The statistics table: every endpoint (nothing is cut), searchable, sortable by any column, shown a page at a time
 * with the totals row always at the bottom. Only the visible page is rendered.
 */
import { metricFigures, metricSelector } from '../../report/metric-rows.ts';
import type { ReportMetric } from '../../report/report-types.ts';
import type { StatsResponse, StatsRow } from '../api-types.ts';
import { byId, fillTable, fmt, fmtBytes, fmtMs, h, setText } from './dom.ts';

interface Column {
  key: keyof StatsRow;
  label: string;
  text?: boolean;
  format: (r: StatsRow) => string;
}

const COLUMNS: Column[] = [
  { key: 'method', label: 'Type', text: true, format: (r) => r.method },
  { key: 'name', label: 'Name', text: true, format: (r) => r.name },
  { key: 'requests', label: 'Requests', format: (r) => fmt(r.requests) },
  { key: 'failures', label: 'Fails', format: (r) => fmt(r.failures) },
  { key: 'medianMs', label: 'Median', format: (r) => fmtMs(r.medianMs) },
  { key: 'p95Ms', label: '95%ile', format: (r) => fmtMs(r.p95Ms) },
  { key: 'p99Ms', label: '99%ile', format: (r) => fmtMs(r.p99Ms) },
  { key: 'meanMs', label: 'Average', format: (r) => fmtMs(r.meanMs) },
  { key: 'minMs', label: 'Min', format: (r) => fmtMs(r.minMs) },
  { key: 'maxMs', label: 'Max', format: (r) => fmtMs(r.maxMs) },
  { key: 'avgSizeBytes', label: 'Avg size', format: (r) => fmtBytes(r.avgSizeBytes) },
  { key: 'currentRps', label: 'RPS', format: (r) => fmt(r.currentRps, 1) },
  { key: 'currentFailuresPerS', label: 'Failures/s', format: (r) => fmt(r.currentFailuresPerS, 1) },
];

/** The table and its controls (search box, pager, page size). */
export class StatsTable {
  readonly #table = byId<HTMLTableElement>('stats-table');
  readonly #search = byId<HTMLInputElement>('stats-search');
  readonly #range = byId('stats-range');
  readonly #prev = byId<HTMLButtonElement>('stats-prev');
  readonly #next = byId<HTMLButtonElement>('stats-next');
  readonly #pageSize = byId<HTMLSelectElement>('stats-page-size');
  #data: StatsResponse | undefined;
  #sortKey: keyof StatsRow = 'name';
  #sortDesc = false;
  #page = 0;

  constructor() {
    this.#search.addEventListener('input', () => this.#go(0));
    this.#pageSize.addEventListener('change', () => this.#go(0));
    this.#prev.addEventListener('click', () => this.#go(this.#page - 1));
    this.#next.addEventListener('click', () => this.#go(this.#page + 1));
  }

  /** Shows new statistics (keeps search, sort and page). */
  update(data: StatsResponse): void {
    this.#data = data;
    this.#render();
    renderMetrics(data.metrics ?? []);
  }

  #go(page: number): void {
    this.#page = page;
    this.#render();
  }

  #sortBy(key: keyof StatsRow): void {
    if (this.#sortKey === key) this.#sortDesc = !this.#sortDesc;
    else {
      this.#sortKey = key;
      this.#sortDesc = key !== 'name' && key !== 'method';
    }
    this.#render();
  }

  #rows(): StatsRow[] {
    const q = this.#search.value.trim().toLowerCase();
    const rows = (this.#data?.rows ?? []).filter((r) => q === '' || r.name.toLowerCase().includes(q) || r.method.toLowerCase().includes(q));
    const k = this.#sortKey;
    const dir = this.#sortDesc ? -1 : 1;
    return rows.sort((a, b) => {
      const x = a[k];
      const y = b[k];
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return c !== 0 ? c * dir : a.name.localeCompare(b.name) || a.method.localeCompare(b.method);
    });
  }

  #render(): void {
    const rows = this.#rows();
    const size = Number(this.#pageSize.value) || 50;
    const pages = Math.max(1, Math.ceil(rows.length / size));
    this.#page = Math.min(Math.max(0, this.#page), pages - 1);
    const start = this.#page * size;
    const visible = rows.slice(start, start + size);
    const head = h('tr', null, ...COLUMNS.map((c) => this.#header(c)));
    const body = visible.map((r) => this.#row(r));
    if (body.length === 0) {
      const msg = this.#data && this.#data.rows.length > 0 ? 'No row matches the filter.' : 'No requests yet: start a test.';
      body.push(h('tr', null, h('td', { class: 'empty', attrs: { colspan: String(COLUMNS.length) } }, msg)));
    }
    fillTable(this.#table, head, body, this.#data ? this.#row(this.#data.totals) : undefined);
    const total = rows.length;
    setText(this.#range, total === 0 ? '' : `${fmt(start + 1)}–${fmt(start + visible.length)} of ${fmt(total)}${total !== (this.#data?.rows.length ?? 0) ? ' (filtered)' : ''}`);
    this.#prev.disabled = this.#page === 0;
    this.#next.disabled = this.#page >= pages - 1;
  }

  #header(c: Column): HTMLTableCellElement {
    const sorted = this.#sortKey === c.key ? (this.#sortDesc ? ' sorted-desc' : ' sorted-asc') : '';
    const th = h('th', { class: `sortable${c.text ? ' text' : ''}${sorted}`, attrs: { 'data-key': c.key } }, c.label);
    th.addEventListener('click', () => this.#sortBy(c.key));
    return th;
  }

  #row(r: StatsRow): HTMLTableRowElement {
    return h(
      'tr',
      null,
      ...COLUMNS.map((c) => {
        const cls = [c.text ? 'text' : '', c.key === 'name' ? 'name' : '', c.key === 'failures' && r.failures > 0 ? 'bad' : ''].filter(Boolean).join(' ');
        return h('td', { class: cls, title: c.key === 'name' ? r.name : undefined }, c.format(r));
      }),
    );
  }
}

/** The script's custom metrics under the endpoints: one row per series, hidden while there is none. */
function renderMetrics(metrics: readonly ReportMetric[]): void {
  const wrap = byId('metrics-wrap');
  wrap.hidden = metrics.length === 0;
  if (metrics.length === 0) return;
  const head = h('tr', null, h('th', { class: 'text' }, 'Type'), h('th', { class: 'text' }, 'Metric'), h('th', null, 'Values'), h('th', { class: 'text' }, 'Figures'));
  const rows = metrics.map((m) =>
    h('tr', null, h('td', { class: 'text' }, m.type), h('td', { class: 'text name' }, metricSelector(m)), h('td', null, fmt(m.samples)), h('td', { class: 'text' }, metricFigures(m))),
  );
  fillTable(byId<HTMLTableElement>('metrics-table'), head, rows);
}
