/**
 * The server-rendered sections of the HTML report: header, summary and verdict, thresholds and checks, the endpoint
 * table, errors and exceptions. Every value from the report goes through escapeHtml (endpoint names, error messages
 * and stacks come from the target or the user's script and are hostile by assumption).
 */
import { escapeHtml as esc } from './html-template.ts';
import { metricFigures, metricSelector } from './metric-rows.ts';
import type { JsonReport, ReportEndpoint } from './report-types.ts';

/** A number for a table: up to 3 decimals, thousands separated; '–' when missing. */
export function fmt(v: number | null | undefined, digits = 2): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  const abs = Math.abs(v);
  const d = abs >= 1000 ? 0 : abs >= 100 ? Math.min(digits, 1) : digits;
  return v.toLocaleString('en-US', { maximumFractionDigits: d });
}

/** A fraction as a percentage. */
export function pct(part: number, whole: number): string {
  return whole > 0 ? `${fmt((100 * part) / whole, 2)}%` : '–';
}

/** A verdict badge; `verdict` is one of a fixed set but is escaped anyway. */
export function badge(verdict: string, text = verdict): string {
  return `<span class="verdict v-${esc(verdict.replace(/[^a-z-]/gi, ''))}">${esc(text)}</span>`;
}

/** A numeric cell: shown formatted, sorted by its raw value. */
export function num(v: number | null | undefined, digits = 2): string {
  return `<td class="n" data-v="${typeof v === 'number' && Number.isFinite(v) ? v : ''}">${fmt(v, digits)}</td>`;
}

/** Run verdict from the report alone: failed thresholds or checks fail it; an interrupted run is partial. */
export function runVerdict(report: JsonReport): 'passed' | 'failed' | 'partial' {
  const failed = report.thresholds.some((t) => !t.passed) || report.checks.some((c) => c.fails > 0);
  if (failed) return 'failed';
  return report.partial ? 'partial' : 'passed';
}

/** The page header with the run's identity. */
export function headerHtml(report: JsonReport, title: string, nav: Array<[string, string]>): string {
  const c = report.config;
  const meta = [
    `Stampede ${report.version}`,
    `${report.started_at} → ${report.ended_at}`,
    `${fmt(report.duration_s, 1)} s`,
    c.host ? `host ${c.host}` : '',
    `${c.users} users (${c.model} model)`,
    c.user_classes.length ? `classes: ${c.user_classes.join(', ')}` : '',
  ].filter(Boolean);
  const links = nav.map(([id, label]) => `<a href="#${esc(id)}">${esc(label)}</a>`).join('');
  return `<header><h1>${esc(title)}</h1><div class="meta">${meta.map(esc).join(' · ')}</div><nav>${links}</nav></header>`;
}

function card(label: string, value: string): string {
  return `<div class="card"><div class="v">${esc(value)}</div><div class="k">${esc(label)}</div></div>`;
}

/** Summary: verdict, banners (partial, saturated generator, failures), headline figures. */
export function summaryHtml(report: JsonReport, verdict: string): string {
  const t = report.totals;
  const banners: string[] = [];
  if (report.partial) banners.push('<div class="banner">This run was interrupted: the figures cover only the time it ran (partial report).</div>');
  if (report.generator?.saturated) {
    banners.push(
      `<div class="banner bad">The load generator was saturated (CPU max ${esc(fmt(report.generator.cpu_max_pct, 1))} %, event-loop lag p99 ${esc(fmt(report.generator.loop_lag_p99_ms))} ms): the load, not the target, may have limited these results.</div>`,
    );
  }
  const lost = (report.workers ?? []).filter((w) => w.lost_at !== undefined);
  if (lost.length) banners.push(`<div class="banner bad">${esc(lost.length)} worker(s) lost during the run: ${esc(lost.map((w) => `${w.id} at ${fmt(w.lost_at)} s`).join(', '))}.</div>`);
  if (report.iterations && report.iterations.dropped > 0) {
    banners.push(`<div class="banner">${esc(report.iterations.dropped)} iterations could not start (no free user); ${esc(report.iterations.late)} started late.</div>`);
  }
  const l = t.latency_ms;
  const cards = [
    card('requests', fmt(t.requests, 0)),
    card('failures', `${fmt(t.failures, 0)} (${pct(t.failures, t.requests)})`),
    card('requests/s', fmt(t.rps, 1)),
    card('p50 ms', fmt(l.p50)),
    card('p95 ms', fmt(l.p95)),
    card('p99 ms', fmt(l.p99)),
    card('max ms', fmt(l.max)),
    card('received', `${fmt(t.bytes_received / 1048576, 1)} MiB`),
  ];
  if (report.config.model === 'open') cards.push(card('p99 ms from intended start', fmt(report.totals.latency_corrected_ms.p99)));
  return `<section id="summary"><h2>Summary ${badge(verdict)}</h2>${banners.join('')}<div class="cards">${cards.join('')}</div></section>`;
}

/** Thresholds and checks, each with its pass/fail. */
export function thresholdsHtml(report: JsonReport): string {
  if (report.thresholds.length === 0 && report.checks.length === 0) return '';
  const th = report.thresholds
    .map((t) => `<tr><td>${esc(t.metric)}</td><td>${esc(t.condition)}</td>${num(t.value)}<td>${badge(t.passed ? 'pass' : 'fail')}</td></tr>`)
    .join('');
  const ch = report.checks
    .map((c) => `<tr><td class="name">${esc(c.name)}</td>${num(c.passes, 0)}${num(c.fails, 0)}<td class="n">${pct(c.passes, c.passes + c.fails)}</td><td>${badge(c.fails === 0 ? 'pass' : 'fail')}</td></tr>`)
    .join('');
  return `<section id="thresholds"><h2>Thresholds and checks</h2>${
    th ? `<h3>Thresholds</h3><table><thead><tr><th>metric</th><th>condition</th><th class="n">value</th><th>result</th></tr></thead><tbody>${th}</tbody></table>` : ''
  }${ch ? `<h3>Checks</h3><table class="sortable"><thead><tr><th>check</th><th class="n">passes</th><th class="n">fails</th><th class="n">pass rate</th><th>result</th></tr></thead><tbody>${ch}</tbody></table>` : ''}</section>`;
}

const LATENCY_COLUMNS = ['min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;

function endpointRow(e: Pick<ReportEndpoint, 'requests' | 'failures' | 'rps' | 'latency_ms'>, label: string): string {
  const fr = e.requests > 0 ? (100 * e.failures) / e.requests : 0;
  return `${label}${num(e.requests, 0)}${num(e.failures, 0)}${num(fr)}${num(e.rps)}${LATENCY_COLUMNS.map((k) => num(e.latency_ms[k])).join('')}`;
}

/** The per-endpoint table (sortable by any column), totals in the footer. */
export function endpointsHtml(report: JsonReport): string {
  const head = ['method', 'name', 'requests', 'failures', 'fail %', 'req/s', ...LATENCY_COLUMNS.map((k) => (k === 'p999' ? 'p99.9' : k))];
  const ths = head.map((h, i) => `<th${i >= 2 ? ' class="n"' : ''}>${esc(h)}</th>`).join('');
  const rows = report.endpoints.map((e) => `<tr>${endpointRow(e, `<td>${esc(e.method)}</td><td class="name">${esc(e.name)}</td>`)}</tr>`).join('');
  const total = endpointRow(report.totals, '<td></td><td>all endpoints</td>');
  return `<section id="endpoints"><h2>Endpoints <span class="muted">(latency in ms; click a column to sort)</span></h2><div class="scroll"><table class="sortable"><thead><tr>${ths}</tr></thead><tbody>${rows}</tbody><tfoot><tr>${total}</tr></tfoot></table></div>${protocolsHtml(report)}${websocketHtml(report)}</section>`;
}

/** Requests answered per protocol and endpoint, once any answer came over HTTP/2 (as the console's table). */
function protocolsHtml(report: JsonReport): string {
  if (!report.endpoints.some((e) => (e.protocols?.h2 ?? 0) > 0)) return '';
  const rows = report.endpoints
    .filter((e) => e.protocols !== undefined)
    .map((e) => `<tr><td>${esc(e.method)}</td><td class="name">${esc(e.name)}</td>${num(e.protocols?.['http/1.1'] ?? 0, 0)}${num(e.protocols?.h2 ?? 0, 0)}</tr>`)
    .join('');
  return `<h3>Requests per protocol</h3><table><thead><tr><th>method</th><th>name</th><th class="n">HTTP/1.1</th><th class="n">h2</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Messages and payload bytes of each WebSocket endpoint, when the run opened any. */
function websocketHtml(report: JsonReport): string {
  const rows = report.endpoints
    .flatMap((e) => (e.websocket === undefined ? [] : [{ name: e.name, ws: e.websocket }]))
    .map(({ name, ws }) => `<tr><td class="name">${esc(name)}</td>${num(ws.messages_sent, 0)}${num(ws.messages_received, 0)}${num(ws.bytes_sent, 0)}${num(ws.bytes_received, 0)}</tr>`)
    .join('');
  if (rows === '') return '';
  return `<h3>WebSocket messages</h3><table><thead><tr><th>name</th><th class="n">messages sent</th><th class="n">messages received</th><th class="n">bytes sent</th><th class="n">bytes received</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Custom metrics (the script's Counter, Gauge, Rate, Trend), one row per series, in the units the script added. */
export function metricsHtml(report: JsonReport): string {
  const metrics = report.metrics ?? [];
  if (metrics.length === 0) return '';
  const rows = metrics
    .map((m) => `<tr><td>${esc(m.type)}</td><td class="name">${esc(metricSelector(m))}</td>${num(m.samples, 0)}<td>${esc(metricFigures(m))}</td></tr>`)
    .join('');
  return `<section id="metrics"><h2>Custom metrics</h2><div class="scroll"><table class="sortable"><thead><tr><th>type</th><th>metric</th><th class="n">values</th><th>figures</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

/** Errors by endpoint and kind, and exceptions from user code with their stacks. */
export function errorsHtml(report: JsonReport): string {
  const errors = [...report.errors].sort((a, b) => b.count - a.count);
  const er = errors
    .map((e) => `<tr><td>${esc(e.method)}</td><td class="name">${esc(e.name)}</td><td>${esc(e.kind)}</td><td class="name">${esc(e.error)}</td>${num(e.count, 0)}</tr>`)
    .join('');
  const ex = [...report.exceptions]
    .sort((a, b) => b.count - a.count)
    .map((x) => `<tr><td class="name">${esc(x.message)}<details><summary>stack</summary><pre>${esc(x.stack)}</pre></details></td>${num(x.count, 0)}</tr>`)
    .join('');
  const body =
    (er ? `<h3>Errors</h3><div class="scroll"><table class="sortable"><thead><tr><th>method</th><th>name</th><th>kind</th><th>error</th><th class="n">count</th></tr></thead><tbody>${er}</tbody></table></div>` : '<p class="muted">No request failed.</p>') +
    (ex ? `<h3>Exceptions</h3><table><thead><tr><th>message</th><th class="n">count</th></tr></thead><tbody>${ex}</tbody></table>` : '');
  return `<section id="errors"><h2>Errors and exceptions</h2>${body}</section>`;
}

/** A section holding chart containers (drawn by the client from the embedded specs). */
export function chartsHtml(id: string, title: string, chartIds: string[], note = ''): string {
  if (chartIds.length === 0) return '';
  const boxes = chartIds.map((c) => `<div class="chart" data-chart="${esc(c)}"></div>`).join('');
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>${note ? `<p class="muted">${esc(note)}</p>` : ''}<div class="charts">${boxes}</div></section>`;
}
