/**
 * Locust-compatible CSV files (`--csv PREFIX`): PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv
 * and PREFIX_exceptions.csv, with Locust's exact headers (locust/stats.py StatsCSV) so existing tooling reads them.
 * Differences, by design: times are ms with µs precision (Locust rounds to whole ms), percentiles follow
 * docs/design/001-percentiles.md, and the history's percentile columns are those of each one-second interval.
 * Quoting is RFC 4180 (CRLF line ends, like Python's csv module); values are never altered.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HISTORY_PERCENTILES, type Aggregate, type HistoryRow, type NameHistoryRow, type StatsEntryView } from '../stats/aggregate.ts';

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
 * --csv-full-history; with it, see CsvHistoryStream), percentiles of that second, totals cumulative.
 * @param startedAtMs wall-clock epoch ms of run time 0 (Timestamp column is epoch seconds)
 */
export function renderStatsHistoryCsv(aggregate: Aggregate, startedAtMs: number): string {
  let out = csvRow(STATS_HISTORY_CSV_HEADER);
  for (const h of aggregate.history()) out += historyCsvRow(h, startedAtMs, '', 'Aggregated');
  return out;
}

/** One history record: a second of one name (type = its method), or of `Aggregated` (type ''). */
function historyCsvRow(h: HistoryRow, startedAtMs: number, type: string, name: string): string {
  const p = h.point;
  const percentiles = h.intervalPercentilesMs.length > 0 ? h.intervalPercentilesMs : PERCENTILE_COLUMNS.map(() => 'N/A');
  return csvRow([
    Math.floor(startedAtMs / 1000 + p.t), p.users, type, name, p.rps.toFixed(6), p.failures_per_s.toFixed(6),
    ...percentiles, h.totalRequests, h.totalFailures, h.totalMedianMs, h.totalMeanMs, h.totalMinMs, h.totalMaxMs,
    h.totalAvgContentBytes,
  ]);
}

/**
 * `--csv-full-history`: PREFIX_stats_history.csv written as the run goes, as Locust writes it — each second a row
 * per name, then the Aggregated row — so its size on disk, not in memory, grows with the run. Pass `write` as the
 * Aggregate's onNameHistory; writeCsvReports then leaves the file alone (`historyStreamed`).
 */
export class CsvHistoryStream {
  readonly file: string;
  readonly #startedAtMs: () => number;
  #started = false;

  /** @param startedAtMs wall-clock epoch ms of run time 0, read at each write (the run starts after this is made) */
  constructor(prefix: string, startedAtMs: () => number) {
    this.file = `${prefix}_stats_history.csv`;
    this.#startedAtMs = startedAtMs;
  }

  readonly write = (rows: readonly NameHistoryRow[], aggregated: HistoryRow): void => {
    if (!this.#started) {
      mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
      writeFileSync(this.file, csvRow(STATS_HISTORY_CSV_HEADER));
      this.#started = true;
    }
    const startedAtMs = this.#startedAtMs();
    let out = '';
    for (const r of rows) out += historyCsvRow(r, startedAtMs, r.method, r.name);
    appendFileSync(this.file, out + historyCsvRow(aggregated, startedAtMs, '', 'Aggregated'));
  };
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
  /** The history file was written during the run (CsvHistoryStream): leave it. */
  historyStreamed?: boolean;
}

/** Write the four files (three when the history was streamed); returns their paths in the order stats, history, failures, exceptions. */
export async function writeCsvReports(prefix: string, input: CsvReportInput): Promise<string[]> {
  const history: Array<[string, string]> = input.historyStreamed ? [] : [[`${prefix}_stats_history.csv`, renderStatsHistoryCsv(input.aggregate, input.startedAtMs)]];
  const files: Array<[string, string]> = [
    [`${prefix}_stats.csv`, renderStatsCsv(input.aggregate, input.durationS)],
    ...history,
    [`${prefix}_failures.csv`, renderFailuresCsv(input.aggregate)],
    [`${prefix}_exceptions.csv`, renderExceptionsCsv(input.aggregate, input.nodes)],
  ];
  await Promise.all(files.map(([path, text]) => writeFile(path, text, 'utf8')));
  return files.map(([path]) => path);
}
