/** The workers tab and the header's worker count: shown only when the UI serves a master (docs/distributed.md). */
import type { WorkerRow, WorkerSummary } from '../api-types.ts';
import { byId, fillTable, fmt, fmtBytes, h, setText } from './dom.ts';

/** CPU (percent of a worker's cores) above which a worker may be limiting the load, as the master flags it. */
const CPU_FLAG_PCT = 90;
const GONE = new Set(['missing', 'left', 'failed']);

function cpuCell(w: WorkerRow): HTMLTableCellElement {
  const over = w.cpuPct > CPU_FLAG_PCT;
  const text = `${over ? '⚠ ' : ''}${fmt(w.cpuPct, 1)} %${!over && w.cpuFlagged ? ` (max ${fmt(w.cpuMaxPct, 0)} %)` : ''}`;
  const title = over || w.cpuFlagged ? `over ${CPU_FLAG_PCT} % of its cores: this worker may limit the load (add workers)` : '';
  return h('td', { class: over || w.cpuFlagged ? 'cpu bad' : 'cpu', title }, text);
}

function row(w: WorkerRow): HTMLTableRowElement {
  // 0: lost between tests (the time is of the test it was lost in).
  const state = w.lostAtS ? `${w.state} at ${fmt(w.lostAtS, 1)} s` : w.state;
  return h(
    'tr',
    { class: GONE.has(w.state) ? 'gone' : '', attrs: { 'data-worker': w.id } },
    h('td', { class: 'text name', title: w.id }, w.id),
    h('td', { class: 'text' }, `${w.host} (pid ${w.pid})`),
    h('td', { class: 'text' }, h('span', { class: `state ${w.state}` }, state)),
    h('td', { class: 'users' }, fmt(w.users)),
    cpuCell(w),
    h('td', null, fmtBytes(w.rssBytes)),
    h('td', { class: 'requests' }, fmt(w.requests)),
  );
}

/** Shows the tab and the count when the frame carries workers (a master's UI); a local run's UI keeps them hidden. */
export function renderWorkers(rows: readonly WorkerRow[] | undefined, summary: WorkerSummary | undefined): void {
  if (!rows || !summary) return;
  byId('m-workers-box').hidden = false;
  document.querySelector<HTMLElement>('.tabs [data-tab="workers"]')!.hidden = false;
  const header = byId('m-workers');
  setText(header, `${fmt(summary.ready)} ready`);
  header.title = `${summary.ready} of the ${summary.total} workers seen can run users`;
  const head = h('tr', null, h('th', { class: 'text' }, 'Worker'), h('th', { class: 'text' }, 'Host'), h('th', { class: 'text' }, 'State'), h('th', null, 'Users'), h('th', null, 'CPU'), h('th', null, 'Memory (RSS)'), h('th', null, 'Requests'));
  const body = rows.map(row);
  if (body.length === 0) body.push(h('tr', null, h('td', { class: 'empty', attrs: { colspan: '7' } }, 'No worker yet: start some with stampede worker --redis URL --namespace NAME.')));
  fillTable(byId<HTMLTableElement>('workers-table'), head, body);
  const count = byId('n-workers');
  setText(count, fmt(summary.ready));
  count.classList.toggle('alert', rows.some((w) => w.state === 'missing' || w.state === 'failed') || summary.ready === 0);
}
