/**
 * The `--json` report: built once at the end of a run from the Aggregate (no statistics of its own), written to a
 * file or stdout, and read back (validated, histograms decoded) by `stampede report` and `stampede compare`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { Aggregate, StatsEntryView } from '../stats/aggregate.ts';
import { PROTOCOL_FAMILY, WEBSOCKET_FAMILY, counterFamily } from '../stats/counters.ts';
import { LatencyAccumulator, decodeLatencyHistogram } from '../stats/latency-accumulator.ts';
import { ReportError } from './errors.ts';
import { metricRowOf } from './metric-rows.ts';
import type {
  JsonReport,
  ReportConfig,
  ReportEndpoint,
  ReportGenerator,
  ReportIterations,
  ReportScenario,
  ReportMonitor,
  ReportThreshold,
  ReportWorker,
} from './report-types.ts';
import { validateReport } from './schema.ts';

/** Everything the report needs besides the Aggregate, as plain values. */
export interface JsonReportInput {
  aggregate: Aggregate;
  /** Stampede version. */
  version: string;
  /** Run start, epoch ms or Date (from Clock.wallNow). */
  startedAt: number | Date;
  /** Run end, epoch ms or Date. */
  endedAt: number | Date;
  /** Run duration in seconds (monotonic clock); also the denominator of every rps in the report. */
  durationS: number;
  /** True when interrupted by a signal. Default false. */
  partial?: boolean;
  config: ReportConfig;
  thresholds?: ReportThreshold[];
  iterations?: ReportIterations;
  generator?: ReportGenerator;
  workers?: ReportWorker[];
  monitor?: ReportMonitor;
  /** Each scenario's own statistics and iteration counts, in declaration order. */
  scenarios?: Array<{ name: string; aggregate: Aggregate; iterations: ReportIterations }>;
}

function scenarioOf(s: { name: string; aggregate: Aggregate; iterations: ReportIterations }, durationS: number): ReportScenario {
  const t = s.aggregate.totals(durationS);
  const metrics = s.aggregate.metrics().map((m) => metricRowOf(m, durationS));
  return {
    name: s.name,
    requests: t.requests,
    failures: t.failures,
    rps: t.rps,
    latency_ms: t.latency.summaryMs(),
    iterations: { ...s.iterations },
    ...(metrics.length > 0 ? { metrics } : {}),
  };
}

function iso(t: number | Date): string {
  return (typeof t === 'number' ? new Date(t) : t).toISOString();
}

function endpointOf(e: StatsEntryView): ReportEndpoint {
  const protocols = counterFamily(e.counts, PROTOCOL_FAMILY);
  const ws = counterFamily(e.counts, WEBSOCKET_FAMILY);
  return {
    method: e.method,
    name: e.name,
    requests: e.requests,
    failures: e.failures,
    rps: e.rps,
    latency_ms: e.latency.summaryMs(),
    histogram: e.latency.encode(),
    ...(protocols === undefined ? {} : { protocols }),
    ...(ws === undefined
      ? {}
      : {
          websocket: {
            messages_sent: ws.messages_sent ?? 0,
            messages_received: ws.messages_received ?? 0,
            bytes_sent: ws.bytes_sent ?? 0,
            bytes_received: ws.bytes_received ?? 0,
          },
        }),
  };
}

/**
 * Build the report exactly as in docs/json-report.md. `latency_corrected_ms` always has the same keys as
 * `latency_ms`: from the corrected (intended-start) histogram when one was recorded (open model), otherwise a
 * copy of `latency_ms` (closed model: intended start = actual start).
 */
export function buildJsonReport(input: JsonReportInput): JsonReport {
  const agg = input.aggregate;
  const durationS = Math.max(0, input.durationS);
  const totals = agg.totals(durationS);
  const latency = totals.latency.summaryMs();
  const metrics = agg.metrics().map((m) => metricRowOf(m, durationS));
  const tagged = agg.taggedEndpoints(durationS).map((e) => ({
    method: e.method,
    name: e.name,
    tags: { ...e.tags },
    requests: e.requests,
    failures: e.failures,
    rps: e.rps,
    latency_ms: e.latency.summaryMs(),
  }));
  // Key order follows the contract; optional sections are omitted (not null) when absent.
  return {
    tool: 'stampede',
    version: input.version,
    started_at: iso(input.startedAt),
    ended_at: iso(input.endedAt),
    duration_s: durationS,
    partial: input.partial ?? false,
    config: { ...input.config, user_classes: [...input.config.user_classes] },
    totals: {
      requests: totals.requests,
      failures: totals.failures,
      interrupted: totals.interrupted,
      rps: totals.rps,
      bytes_received: totals.bytesReceived,
      latency_ms: latency,
      latency_corrected_ms: totals.corrected !== undefined ? totals.corrected.summaryMs() : { ...latency },
    },
    ...(input.iterations ? { iterations: { ...input.iterations } } : {}),
    endpoints: agg.endpoints(durationS).map(endpointOf),
    errors: agg.errors(),
    exceptions: agg.exceptions(),
    checks: agg.checks(),
    ...(metrics.length > 0 ? { metrics } : {}),
    ...(input.scenarios && input.scenarios.length > 0 ? { scenarios: input.scenarios.map((s) => scenarioOf(s, durationS)) } : {}),
    ...(tagged.length > 0 ? { tagged_requests: tagged } : {}),
    thresholds: (input.thresholds ?? []).map((t) => ({ ...t })),
    timeseries: agg.timeseries(),
    ...(input.generator ? { generator: { ...input.generator } } : {}),
    ...(input.workers ? { workers: input.workers.map((w) => ({ ...w })) } : {}),
    ...(input.monitor ? { monitor: input.monitor } : {}),
  };
}

/**
 * Write the report as pretty JSON. `file` "-" writes to `stdout` (default process.stdout).
 * Validate first in tests; this function writes what it is given.
 */
export async function writeJsonReport(report: JsonReport, file: string, stdout: Writable = process.stdout): Promise<void> {
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (file === '-') {
    await new Promise<void>((resolve, reject) => stdout.write(text, (err) => (err ? reject(err) : resolve())));
    return;
  }
  await writeFile(file, text, 'utf8');
}

/** A report read back, with its histograms decoded for recomputation (HTML rebuild, compare). */
export interface LoadedReport {
  report: JsonReport;
  /** One per report endpoint, same order; exact min/mean/max restored from latency_ms. */
  endpoints: Array<{ method: string; name: string; latency: LatencyAccumulator }>;
  /** Sum of the endpoint histograms (the run's totals). */
  total: LatencyAccumulator;
}

function accumulatorOf(e: ReportEndpoint): LatencyAccumulator {
  const acc = new LatencyAccumulator();
  const hist = decodeLatencyHistogram(e.histogram);
  const l = e.latency_ms;
  acc.add(hist, { sumUs: l.mean * 1000 * hist.totalCount, minUs: l.min * 1000, maxUs: l.max * 1000 });
  return acc;
}

/** Parse and validate report text; throws ReportError (code STAMPEDE_ERR_REPORT_INVALID) listing the problems. */
export function parseJsonReport(text: string, source = 'report'): LoadedReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ReportError('STAMPEDE_ERR_REPORT_INVALID', `${source} is not JSON: ${(err as Error).message}`, 'pass a file written by --json');
  }
  const problems = validateReport(parsed);
  if (problems.length > 0) {
    const list = problems.slice(0, 5).map((p) => `${p.path || '/'} ${p.message}`).join('; ');
    throw new ReportError(
      'STAMPEDE_ERR_REPORT_INVALID',
      `${source} does not match the report schema: ${list}`,
      'pass a file written by --json of this Stampede version',
    );
  }
  const report = parsed as JsonReport;
  const endpoints = report.endpoints.map((e) => ({ method: e.method, name: e.name, latency: accumulatorOf(e) }));
  const total = new LatencyAccumulator();
  for (const e of endpoints) total.addAccumulator(e.latency);
  return { report, endpoints, total };
}

/** Read, validate and decode a report file (see parseJsonReport). */
export async function readJsonReport(file: string): Promise<LoadedReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ReportError('STAMPEDE_ERR_REPORT_READ', `cannot read ${file}: ${(err as Error).message}`, 'check the path');
  }
  return parseJsonReport(text, file);
}
