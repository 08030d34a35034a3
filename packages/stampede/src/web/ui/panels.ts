/** The other tabs: failures, exceptions (with stacks), system figures, the log view and the downloads. */
import type { ExceptionRow, FailureRow, LogLine, StatusResponse, SystemSample } from '../api-types.ts';
import { byId, fillTable, fmt, fmtBytes, h, setText } from './dom.ts';

/** Lines kept in the log view (the server keeps its own bounded ring). */
const MAX_LOG_LINES = 1_000;

function count(id: string, n: number, alert: boolean): void {
  const el = byId(id);
  setText(el, n > 0 ? fmt(n) : '');
  el.classList.toggle('alert', alert && n > 0);
}

/** Failures grouped by (method, name, kind, message), most frequent first. */
export function renderFailures(rows: readonly FailureRow[]): void {
  const head = h('tr', null, h('th', null, '# Fails'), h('th', { class: 'text' }, 'Method'), h('th', { class: 'text' }, 'Name'), h('th', { class: 'text' }, 'Kind'), h('th', { class: 'text' }, 'Message'));
  const body = rows.map((f) =>
    h('tr', null, h('td', null, fmt(f.count)), h('td', { class: 'text' }, f.method), h('td', { class: 'text name', title: f.name }, f.name), h('td', { class: 'text' }, f.kind), h('td', { class: 'text wrap' }, f.error)),
  );
  if (body.length === 0) body.push(h('tr', null, h('td', { class: 'empty', attrs: { colspan: '5' } }, 'No failures.')));
  fillTable(byId<HTMLTableElement>('failures-table'), head, body);
  count('n-failures', rows.reduce((n, f) => n + f.count, 0), true);
}

/** Exceptions: the message as a summary, the stack folded under it. */
export function renderExceptions(rows: readonly ExceptionRow[]): void {
  const list = byId('exceptions-list');
  const items = rows.map((x) => h('details', { class: 'exception' }, h('summary', null, `${fmt(x.count)} × ${x.message}`), h('pre', null, x.stack || '(no stack)')));
  list.replaceChildren(...(items.length > 0 ? items : [h('div', { class: 'empty' }, 'No exceptions.')]));
  count('n-exceptions', rows.reduce((n, x) => n + x.count, 0), true);
}

function card(label: string, value: string): HTMLElement {
  return h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
}

/** The system tab's figures. */
export function renderSystem(s: SystemSample): void {
  const cards = [
    card('Generator CPU', `${fmt(s.generatorCpuPct, 1)} %`),
    card('Generator memory (RSS)', fmtBytes(s.generatorRssBytes)),
    card('Generator heap used', fmtBytes(s.generatorHeapUsedBytes)),
    card('Event-loop lag p99', `${fmt(s.loopLagP99Ms, 2)} ms`),
    card('User threads lag p99', `${fmt(s.threadLoopLagP99Ms, 2)} ms`),
    card('Generator', s.generatorSaturated ? 'SATURATED: latency figures are suspect' : 'not saturated'),
  ];
  if (s.target) cards.push(card(`Target CPU (pid ${s.target.pid})`, `${fmt(s.target.cpuPct, 1)} %`), card('Target memory (RSS)', fmtBytes(s.target.rssBytes)));
  else cards.push(card('Target process', 'not monitored (--monitor-pid)'));
  byId('system-cards').replaceChildren(...cards);
}

/** The log view: appends lines, keeps the last MAX_LOG_LINES, follows the end unless scrolled up. */
export class LogView {
  readonly #el = byId('log-view');
  #lastSeq = 0;
  #count = 0;
  readonly #placeholder = h('div', { class: 'log-line' }, 'No log lines yet. User code logs with this.log.info(...) or console.log(...).');

  /** Empties the view (before a snapshot refills it). */
  clear(): void {
    this.#el.replaceChildren(this.#placeholder);
    this.#lastSeq = 0;
    this.#count = 0;
  }

  /** Appends new lines (already-seen ones are skipped by sequence number). */
  add(lines: readonly LogLine[]): void {
    const atEnd = this.#el.scrollTop + this.#el.clientHeight >= this.#el.scrollHeight - 4;
    for (const l of lines) {
      if (l.seq <= this.#lastSeq) continue;
      this.#lastSeq = l.seq;
      this.#count++;
      this.#placeholder.remove();
      const time = new Date(l.time).toLocaleTimeString('en-GB');
      this.#el.append(h('div', { class: 'log-line' }, `${time} `, h('span', { class: `lvl-${l.level}` }, l.level.toUpperCase()), ' ', h('span', { class: 'src' }, l.source), ` ${l.message}`));
    }
    while (this.#el.childElementCount > MAX_LOG_LINES) this.#el.firstElementChild?.remove();
    if (atEnd) this.#el.scrollTop = this.#el.scrollHeight;
    setText(byId('n-logs'), this.#count > 0 ? fmt(this.#count) : '');
  }
}

const DOWNLOADS: Array<{ href: string; label: string; note: string; needs: keyof StatusResponse['downloads'] }> = [
  { href: '/download/stats.csv', label: 'Statistics (CSV)', note: 'one row per request name, Locust columns', needs: 'csv' },
  { href: '/download/stats_history.csv', label: 'History (CSV)', note: 'one row per second', needs: 'csv' },
  { href: '/download/failures.csv', label: 'Failures (CSV)', note: 'method, name, error, occurrences', needs: 'csv' },
  { href: '/download/exceptions.csv', label: 'Exceptions (CSV)', note: 'message and stack', needs: 'csv' },
  { href: '/download/report.json', label: 'Report (JSON)', note: 'the --json report of this test', needs: 'json' },
  { href: '/download/report.html', label: 'Report (HTML)', note: 'a self-contained page', needs: 'html' },
];

let lastDownloads = '';

/** The downloads tab: links to what exists now. */
export function renderDownloads(d: StatusResponse['downloads']): void {
  const key = JSON.stringify(d);
  if (key === lastDownloads) return;
  lastDownloads = key;
  const items = DOWNLOADS.filter((x) => d[x.needs]).map((x) =>
    h('li', null, h('a', { attrs: { href: x.href, download: '' } }, x.label), h('span', { class: 'muted' }, x.note)),
  );
  byId('download-list').replaceChildren(...(items.length > 0 ? items : [h('li', { class: 'muted' }, 'Start a test: its statistics can be downloaded here.')]));
}
