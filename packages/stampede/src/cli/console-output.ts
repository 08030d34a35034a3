/**
 * Headless console output: the live progress line and the final stats tables (Locust's layout, with exact
 * percentiles from the histograms). Reads the one Aggregate; computes nothing of its own.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { metricFigures, metricRowOf, metricSelector } from '../report/metric-rows.ts';
import type { Aggregate, StatsEntryView } from '../stats/aggregate.ts';
import { PROTOCOL_FAMILY, WEBSOCKET_FAMILY, counterFamily } from '../stats/counters.ts';

/** This package's code (src/ or dist/): frames there are the engine's, not the user's. */
const PACKAGE_CODE = `${path.dirname(path.dirname(fileURLToPath(import.meta.url)))}${path.sep}`;

const PERCENTILES = [50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100] as const;

function ms(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function clock(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

/** One progress line: the last second's rates and percentiles, and the running totals. */
export function liveLine(aggregate: Aggregate, elapsedS: number, users: number): string {
  const last = aggregate.timeseries().at(-1);
  const total = aggregate.totals();
  const rate = last ? `${last.rps.toFixed(1)} req/s, ${last.failures_per_s.toFixed(1)} fail/s` : '0.0 req/s, 0.0 fail/s';
  const pct = last && last.rps > 0 ? `p50 ${ms(last.p50_ms)} p95 ${ms(last.p95_ms)} p99 ${ms(last.p99_ms)} ms` : 'p50 - p95 - p99 - ms';
  return `[${clock(elapsedS)}] users ${users} | ${rate} | ${pct} | ${total.requests} requests, ${total.failures} failures`;
}

function truncate(text: string, width: number): string {
  // Names come from scripts and targets: keep them on one line.
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  return flat.length <= width ? flat.padEnd(width) : flat.slice(0, width - 1) + '…';
}

function row(e: StatsEntryView, type: string): string {
  const failPct = e.requests ? ((100 * e.failures) / e.requests).toFixed(2) : '0.00';
  const l = e.latency;
  const count = l.count;
  const cells = [
    truncate(type, 8),
    truncate(e.name, 48),
    String(e.requests).padStart(8),
    `${e.failures}(${failPct}%)`.padStart(14),
    '|',
    ms(count ? l.meanUs / 1000 : NaN).padStart(8),
    ms(count ? l.minUs / 1000 : NaN).padStart(8),
    ms(count ? l.maxUs / 1000 : NaN).padStart(8),
    ms(count ? l.percentileUs(50) / 1000 : NaN).padStart(8),
    '|',
    e.rps.toFixed(2).padStart(8),
    e.failuresPerS.toFixed(2).padStart(11),
  ];
  return cells.join(' ');
}

/**
 * Where an exception was thrown in the user's code: the first stack frame outside Node's internals, npm packages
 * and this package, shown relative to the current directory when inside it.
 */
export function throwSite(stack: string, cwd = process.cwd()): string | undefined {
  for (const m of stack.matchAll(/^\s+at (?:.*?\()?((?:file:\/\/)?\/[^\s()]+:\d+:\d+)\)?$/gm)) {
    const frame = m[1]!.replace(/^file:\/\//, '');
    if (frame.includes('/node_modules/') || frame.startsWith(PACKAGE_CODE)) continue;
    const rel = path.relative(cwd, frame);
    return rel.startsWith('..') ? frame : rel;
  }
  return undefined;
}

/**
 * Requests answered per protocol, per endpoint: shown once any answer came over HTTP/2 (a run that spoke only
 * HTTP/1.1 would get a table repeating its request counts).
 */
function protocolLines(endpoints: readonly StatsEntryView[], total: StatsEntryView): string[] {
  if (!total.counts.has(`${PROTOCOL_FAMILY}h2`)) return [];
  const header = ['Type    ', 'Name'.padEnd(48), '  HTTP/1.1', '        h2'].join(' ');
  const lines = ['', 'Requests per protocol', header, '-'.repeat(header.length)];
  for (const e of [...endpoints, total]) {
    const p = counterFamily(e.counts, PROTOCOL_FAMILY);
    if (p === undefined) continue;
    lines.push([truncate(e === total ? '' : e.method, 8), truncate(e.name, 48), String(p['http/1.1'] ?? 0).padStart(10), String(p.h2 ?? 0).padStart(10)].join(' '));
  }
  return lines;
}

/** WebSocket messages and bytes per connection endpoint, when the run opened any. */
function websocketLines(endpoints: readonly StatsEntryView[]): string[] {
  const rows = endpoints.flatMap((e) => {
    const ws = counterFamily(e.counts, WEBSOCKET_FAMILY);
    return ws === undefined ? [] : [{ e, ws }];
  });
  if (rows.length === 0) return [];
  const header = ['Name'.padEnd(48), '  msgs out', '   msgs in', ' bytes out', '  bytes in'].join(' ');
  const lines = ['', 'WebSocket messages', header, '-'.repeat(header.length)];
  for (const { e, ws } of rows) {
    const cells = [ws.messages_sent, ws.messages_received, ws.bytes_sent, ws.bytes_received].map((n) => String(n ?? 0).padStart(10));
    lines.push([truncate(e.name, 48), ...cells].join(' '));
  }
  return lines;
}

/** The final tables: requests, response-time percentiles, custom metrics, errors and exceptions. */
export function finalTables(aggregate: Aggregate, elapsedS: number): string {
  const endpoints = aggregate.endpoints(elapsedS);
  const total = aggregate.totals(elapsedS);
  const header = [
    'Type    ',
    'Name'.padEnd(48),
    '  # reqs',
    '       # fails',
    '|',
    '  Avg ms',
    '  Min ms',
    '  Max ms',
    '  Med ms',
    '|',
    '   req/s',
    ' failures/s',
  ].join(' ');
  const rule = '-'.repeat(header.length);
  const lines = [header, rule, ...endpoints.map((e) => row(e, e.method)), rule, row(total, ''), ''];

  const pHeader = ['Type    ', 'Name'.padEnd(48), ...PERCENTILES.map((p) => `${p}%`.padStart(7)), '  # reqs'].join(' ');
  lines.push('Response time percentiles (ms)', pHeader, '-'.repeat(pHeader.length));
  for (const e of [...endpoints, total]) {
    const ps = e.latency.count ? e.latency.percentilesMs(PERCENTILES).map((v) => ms(v).padStart(7)) : PERCENTILES.map(() => '-'.padStart(7));
    lines.push([truncate(e === total ? '' : e.method, 8), truncate(e.name, 48), ...ps, String(e.requests).padStart(8)].join(' '));
  }
  lines.push(...protocolLines(endpoints, total), ...websocketLines(endpoints));
  const metrics = aggregate.metrics().map((m) => metricRowOf(m, elapsedS));
  if (metrics.length) {
    lines.push('', 'Custom metrics', `${'Type'.padEnd(8)} ${'Name'.padEnd(48)} ${'# values'.padStart(8)}  Figures`);
    for (const m of metrics) lines.push(`${truncate(m.type, 8)} ${truncate(metricSelector(m), 48)} ${String(m.samples).padStart(8)}  ${metricFigures(m)}`);
  }
  const errors = aggregate.errors();
  if (errors.length) {
    lines.push('', 'Errors', `${'# occurrences'.padStart(13)}  Error`);
    for (const err of errors) lines.push(`${String(err.count).padStart(13)}  ${err.method} ${truncate(err.name, 40).trim()}: [${err.kind}] ${truncate(err.error, 80).trim()}`);
  }
  const exceptions = aggregate.exceptions();
  if (exceptions.length) {
    lines.push('', 'Exceptions', `${'# occurrences'.padStart(13)}  Message (where)`);
    for (const x of exceptions) {
      const where = throwSite(x.stack);
      lines.push(`${String(x.count).padStart(13)}  ${truncate(x.message, 100).trim()}${where ? `  (${where})` : ''}`);
    }
  }
  return lines.join('\n');
}
