/**
 * Locust-compatible CSV files (`--csv PREFIX`): PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv
 * and PREFIX_exceptions.csv, with Locust's exact headers (locust/stats.py StatsCSV) so existing tooling reads them.
 * Differences, by design: times are ms with µs precision (Locust rounds to whole ms), percentiles follow
 * docs/design/001-percentiles.md, and the history's percentile columns are those of each one-second interval.
 * Quoting is RFC 4180 (CRLF line ends, like Python's csv module); values are never altered.
 */
import { writeFile } from 'node:fs/promises';
import { HISTORY_PERCENTILES, type Aggregate, type StatsEntryView } from '../stats/aggregate.ts';

const PERCENTILE_COLUMNS = ['50%', '66%', '75%', '80%', '90%', '95%', '98%', '99%', '99.9%', '99.99%', '100%'];

/** Header of PREFIX_stats.csv (Locust's requests_csv_columns). */
export const STATS_CSV_HEADER: readonly string[] = [
  'Type', 'Name', 'Request Count', 'Failure Count', 'Median Response Time', 'Average Response Time',
  'Min Response Time', 'Max Response Time', 'Average Content Size', 'Requests/s', 'Failures/s',
  ...PERCENTILE_COLUMNS,
];

/** Header of PREFIX_stats_history.csv (Locust's stats_history_csv_columns). */
export const STATS_HISTORY_CSV_HEADER: readonly string[] = [
  'Timestamp', 'User Count', 'Type', 'Name', 'Requests/s', 'Failures/s', ...PERCENTILE_COLUMNS,
  'Total Request Count', 'Total Failure Count', 'Total Median Response Time', 'Total Average Response Time',
  'Total Min Response Time', 'Total Max Response Time', 'Total Average Content Size',
];

/** Header of PREFIX_failures.csv. */
export const FAILURES_CSV_HEADER: readonly string[] = ['Method', 'Name', 'Error', 'Occurrences'];
/** Header of PREFIX_exceptions.csv. */
export const EXCEPTIONS_CSV_HEADER: readonly string[] = ['Count', 'Message', 'Traceback', 'Nodes'];

/** One field, quoted per RFC 4180 when it holds a comma, a quote, CR or LF. */
export function csvField(value: string | number): string {
  const s = typeof value === 'number' ? formatNumber(value) : value;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record, CRLF-terminated. */
export function csvRow(fields: ReadonlyArray<string | number>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** Integers as is; other numbers to at most 6 decimals, without trailing zeros. */
function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '0';
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(6)));
}

function statsRow(e: StatsEntryView): Array<string | number> {
  const l = e.latency;
  const percentiles = e.requests === 0 ? PERCENTILE_COLUMNS.map(() => 'N/A') : l.percentilesMs(HISTORY_PERCENTILES);
  const [median] = e.requests === 0 ? [0] : l.percentilesMs([50]);
  return [
    e.method, e.name, e.requests, e.failures, median, l.meanUs / 1000, l.minUs / 1000, l.maxUs / 1000,
    e.requests === 0 ? 0 : e.bytesReceived / e.requests, e.rps, e.failuresPerS, ...percentiles,
  ];
}

/**
 * PREFIX_stats.csv: one row per endpoint (sorted by name, method), then the `Aggregated` row.
 * @param elapsedS seconds for Requests/s and Failures/s (the run duration)
 */
export function renderStatsCsv(aggregate: Aggregate, elapsedS: number): string {
  let out = csvRow(STATS_CSV_HEADER);
  for (const e of aggregate.endpoints(elapsedS)) out += csvRow(statsRow(e));
  return out + csvRow(statsRow(aggregate.totals(elapsedS)));
}

/**
 * PREFIX_stats_history.csv: one `Aggregated` row per second of the time series (as Locust without
 * --csv-full-history), percentiles of that second, totals cumulative.
 * @param startedAtMs wall-clock epoch ms of run time 0 (Timestamp column is epoch seconds)
 */
export function renderStatsHistoryCsv(aggregate: Aggregate, startedAtMs: number): string {
  let out = csvRow(STATS_HISTORY_CSV_HEADER);
  for (const h of aggregate.history()) {
    const p = h.point;
    const percentiles = h.intervalPercentilesMs.length > 0 ? h.intervalPercentilesMs : PERCENTILE_COLUMNS.map(() => 'N/A');
    out += csvRow([
      Math.floor(startedAtMs / 1000 + p.t), p.users, '', 'Aggregated', p.rps.toFixed(6), p.failures_per_s.toFixed(6),
      ...percentiles, h.totalRequests, h.totalFailures, h.totalMedianMs, h.totalMeanMs, h.totalMinMs, h.totalMaxMs,
      h.totalAvgContentBytes,
    ]);
  }
  return out;
}

/** PREFIX_failures.csv: one row per (method, name, error), most frequent first. */
export function renderFailuresCsv(aggregate: Aggregate): string {
  let out = csvRow(FAILURES_CSV_HEADER);
  for (const e of aggregate.errors()) out += csvRow([e.method, e.name, e.error, e.count]);
  return out;
}

/** PREFIX_exceptions.csv: one row per distinct exception. @param nodes the Nodes column (e.g. "local" or worker ids) */
export function renderExceptionsCsv(aggregate: Aggregate, nodes = 'local'): string {
  let out = csvRow(EXCEPTIONS_CSV_HEADER);
  for (const x of aggregate.exceptions()) out += csvRow([x.count, x.message, x.stack, nodes]);
  return out;
}

/** Inputs of writeCsvReports. */
export interface CsvReportInput {
  aggregate: Aggregate;
  /** Run duration in seconds (rates). */
  durationS: number;
  /** Wall-clock epoch ms of the run start. */
  startedAtMs: number;
  /** Exceptions' Nodes column. Default "local". */
  nodes?: string;
}

/** Write the four files; returns their paths in the order stats, history, failures, exceptions. */
export async function writeCsvReports(prefix: string, input: CsvReportInput): Promise<string[]> {
  const files: Array<[string, string]> = [
    [`${prefix}_stats.csv`, renderStatsCsv(input.aggregate, input.durationS)],
    [`${prefix}_stats_history.csv`, renderStatsHistoryCsv(input.aggregate, input.startedAtMs)],
    [`${prefix}_failures.csv`, renderFailuresCsv(input.aggregate)],
    [`${prefix}_exceptions.csv`, renderExceptionsCsv(input.aggregate, input.nodes)],
  ];
  await Promise.all(files.map(([path, text]) => writeFile(path, text, 'utf8')));
  return files.map(([path]) => path);
}
