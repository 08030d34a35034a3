/**
 * Pushes a finished run's summary to a Prometheus Pushgateway, so that Prometheus keeps one point per run and a
 * Grafana dashboard shows trends across runs (docs/observability.md, "Test results over time").
 *
 * The summary is read from the JSON report (the contract every reader shares), as gauges named `stampede_run_*`:
 * one value per run, not counters. The grouping key is `job` plus `instance` = the test's stable name, so each
 * push replaces the previous run's values (HTTP PUT) and the Pushgateway's memory stays bounded; Prometheus,
 * scraping it with `honor_labels: true`, keeps the history.
 */
import type { JsonReport } from '../report/report-types.ts';
import { PrometheusError } from './errors.ts';
import { EXPOSITION_CONTENT_TYPE, ExpositionWriter } from './exposition.ts';

/** Options of {@link pushSummary}. */
export interface PushSummaryOptions {
  /** Grouping key `job`. Default `stampede`. */
  job?: string;
  /** Grouping key `instance`: the test's stable name (e.g. the suite scenario). Default `default`. */
  instance?: string;
  /** Give up after this long, in ms. Default 10,000. */
  timeoutMs?: number;
}

/**
 * Percentiles pushed for the whole run (report key → `percentile` label; `quantile` is reserved for summaries,
 * and these are gauges).
 */
const RUN_PERCENTILES = [['p50', '50'], ['p90', '90'], ['p95', '95'], ['p99', '99'], ['p999', '99.9']] as const;
/** Percentiles pushed per endpoint. */
const ENDPOINT_PERCENTILES = [['p95', '95'], ['p99', '99']] as const;

/** The run summary in the text exposition format (gauges `stampede_run_*`). */
export function renderRunSummary(report: JsonReport): string {
  const w = new ExpositionWriter();
  const t = report.totals;
  const gauge = (name: string, help: string, value: number) => w.family(name, 'gauge', help).sample(name, {}, value);
  gauge('stampede_run_requests', 'Requests of the last run.', t.requests);
  gauge('stampede_run_failures', 'Failed requests of the last run.', t.failures);
  gauge('stampede_run_failure_ratio', 'Failures / requests of the last run (0 when there were no requests).', t.requests === 0 ? 0 : t.failures / t.requests);
  gauge('stampede_run_rps', 'Mean requests per second of the last run.', t.rps);
  gauge('stampede_run_duration_seconds', 'Duration of the last run, in seconds.', report.duration_s);
  gauge('stampede_run_users', 'Peak configured users of the last run.', report.config.users);
  gauge('stampede_run_end_timestamp_seconds', 'When the last run ended, Unix time in seconds.', Date.parse(report.ended_at) / 1000);
  gauge('stampede_run_partial', '1 when the last run was interrupted and its report is partial.', report.partial ? 1 : 0);
  const thresholdsFailed = report.thresholds.filter((x) => !x.passed).length;
  gauge('stampede_run_thresholds_failed', 'Thresholds that failed in the last run.', thresholdsFailed);

  w.family('stampede_run_latency_seconds', 'gauge', 'Service-time percentiles (nearest rank) of the last run, in seconds.');
  for (const [key, p] of RUN_PERCENTILES) w.sample('stampede_run_latency_seconds', { percentile: p }, t.latency_ms[key] / 1000);

  w.family('stampede_run_endpoint_requests', 'gauge', 'Requests of the last run, by method and name.');
  for (const e of report.endpoints) w.sample('stampede_run_endpoint_requests', { method: e.method, name: e.name }, e.requests);
  w.family('stampede_run_endpoint_failures', 'gauge', 'Failed requests of the last run, by method and name.');
  for (const e of report.endpoints) w.sample('stampede_run_endpoint_failures', { method: e.method, name: e.name }, e.failures);
  w.family('stampede_run_endpoint_latency_seconds', 'gauge', 'Service-time percentiles of the last run, by method and name, in seconds.');
  for (const e of report.endpoints) {
    for (const [key, p] of ENDPOINT_PERCENTILES) {
      w.sample('stampede_run_endpoint_latency_seconds', { method: e.method, name: e.name, percentile: p }, e.latency_ms[key] / 1000);
    }
  }
  return w.text();
}

/** One grouping-key path segment pair; values with `/` (or empty) use the Pushgateway's base64url form. */
function groupingSegment(label: string, value: string): string {
  if (value === '' || value.includes('/')) return `${label}@base64/${Buffer.from(value).toString('base64url') || '='}`;
  return `${label}/${encodeURIComponent(value)}`;
}

/** The push URL: `<base>/metrics/job/<job>/instance/<instance>`. */
export function pushUrl(baseUrl: string, job: string, instance: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/metrics/${groupingSegment('job', job)}/${groupingSegment('instance', instance)}`;
}

/**
 * Pushes the summary of a finished run (HTTP PUT: replaces the group's previous values).
 * @param url the Pushgateway's base URL, e.g. `http://pushgateway:9091`
 * @throws PrometheusError `STAMPEDE_ERR_PROMETHEUS_PUSH` when the Pushgateway is unreachable or refuses the push
 */
export async function pushSummary(url: string, report: JsonReport, options: PushSummaryOptions = {}): Promise<void> {
  await pushGroup(url, options.job ?? 'stampede', options.instance ?? 'default', renderRunSummary(report), 'the run summary', options.timeoutMs);
}

/**
 * PUTs `body` (text exposition) as the group `job`/`instance`, replacing what the group held.
 * @param what what is pushed, for the error message ("the run summary")
 * @throws PrometheusError `STAMPEDE_ERR_PROMETHEUS_PUSH` when the Pushgateway is unreachable or refuses the push
 */
export async function pushGroup(url: string, job: string, instance: string, body: string, what: string, timeoutMs = 10_000): Promise<void> {
  const target = pushUrl(url, job, instance);
  const hint = 'check the Pushgateway URL (e.g. http://127.0.0.1:9091) and that it is running';
  let res: Response;
  try {
    res = await fetch(target, {
      method: 'PUT',
      headers: { 'content-type': EXPOSITION_CONTENT_TYPE },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new PrometheusError('STAMPEDE_ERR_PROMETHEUS_PUSH', `cannot push ${what} to ${target}: ${cause}`, hint);
  }
  const text = await res.text();
  if (!res.ok) {
    throw new PrometheusError('STAMPEDE_ERR_PROMETHEUS_PUSH', `the Pushgateway refused ${what}: HTTP ${res.status} ${text.slice(0, 200).trim()}`, hint);
  }
}
