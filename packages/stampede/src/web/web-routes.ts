/**
 * The web UI's API: JSON reads, file downloads and state-changing actions (docs/web-ui.md "API"). Plain tables of
 * handlers; the gate in web-server.ts has already checked Host, credentials, token and content type.
 */
import type { JsonReport } from '../report/report-types.ts';
import { renderExceptionsCsv, renderFailuresCsv, renderStatsCsv, renderStatsHistoryCsv } from '../report/csv.ts';
import type { ChartPoint, LogLine, ProblemsFrame, StatusResponse, SystemSample, TickFrame, WorkerRow, WorkersResponse } from './api-types.ts';
import { WebError } from './errors.ts';
import { emptyStats, exceptionRows, failureRows, problemsSignature, statsResponse } from './live-stats.ts';
import { locustStats } from './locust-stats.ts';
import { EXPOSITION_CONTENT_TYPE } from '../prometheus/exposition.ts';
import { renderTestMetrics } from '../prometheus/test-metrics.ts';
import { Aggregate } from '../stats/aggregate.ts';
import type { LogBuffer } from './log-buffer.ts';
import type { StreamSource } from './event-stream.ts';
import type { SessionTest, TestSession, WebRun } from './test-session.ts';

/** A file to download. */
export interface Download {
  filename: string;
  type: string;
  body: string;
}

/** Route tables, keyed by path. */
export interface WebRoutes {
  json: Record<string, (query: URLSearchParams) => unknown>;
  /** Plain responses shown inline (the Prometheus exposition at /metrics). */
  text: Record<string, () => { type: string; body: string }>;
  downloads: Record<string, () => Promise<Download | undefined>>;
  actions: Record<string, (body: unknown) => Promise<unknown>>;
}

/** Builds the reports of a test (the CLI wires buildRunReport and the HTML writer). */
export interface ReportSource<R extends WebRun> {
  json(test: SessionTest<R>): JsonReport;
  /** The HTML report, or undefined when the HTML writer is not available. */
  html(test: SessionTest<R>): Promise<string | undefined>;
  htmlAvailable: boolean;
}

/** The workers of a distributed run (the master's web UI), for the workers tab and the status. */
export interface ClusterView {
  workers(): WorkerRow[];
  /** Workers that can run users now or in the next test. */
  readyWorkers(): number;
}

/** Everything the routes and the stream read. */
export interface WebContext<R extends WebRun> {
  session: TestSession<R>;
  logs: LogBuffer;
  system: () => SystemSample;
  reports: ReportSource<R>;
  /** Present when the UI serves a master. */
  cluster?: ClusterView;
}

/** The workers and their summary, or a 404 for a local run. */
function workersResponse(cluster: ClusterView | undefined): WorkersResponse {
  if (!cluster) throw new WebError('STAMPEDE_ERR_WEB_NOT_FOUND', 'no workers: this is a local run (workers belong to stampede master)', 404);
  const workers = cluster.workers();
  return { ready: cluster.readyWorkers(), total: workers.length, workers };
}

function stamp(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Reads shared by the routes and the stream. */
export function createStreamSource<R extends WebRun>(ctx: WebContext<R>): StreamSource & { status(): StatusResponse } {
  const { session, cluster } = ctx;
  const aggregate = () => session.test?.run.aggregate;
  const status = (): StatusResponse => {
    const s = session.status({ csv: !!session.test, json: !!session.test, html: !!session.test && ctx.reports.htmlAvailable });
    return cluster ? { ...s, workers: { ready: cluster.readyWorkers(), total: cluster.workers().length } } : s;
  };
  return {
    status,
    tickFrame: (points: ChartPoint[]): TickFrame => {
      const a = aggregate();
      const frame: TickFrame = { status: status(), stats: a ? statsResponse(a, session.rates) : emptyStats(), points, system: ctx.system() };
      return cluster ? { ...frame, workers: cluster.workers() } : frame;
    },
    history: () => aggregate()?.timeseries() ?? [],
    testNumber: () => session.test?.number ?? 0,
    problems: (): ProblemsFrame => {
      const a = aggregate();
      return { failures: a ? failureRows(a) : [], exceptions: a ? exceptionRows(a) : [] };
    },
    problemsSignature: () => {
      const a = aggregate();
      return a ? `${session.test!.number}/${problemsSignature(a)}` : '';
    },
    logsSince: (seq: number): LogLine[] => ctx.logs.since(seq),
  };
}

/** The route tables over one context. */
export function createWebRoutes<R extends WebRun>(ctx: WebContext<R>, source = createStreamSource(ctx)): WebRoutes {
  const { session } = ctx;
  const test = () => session.test;
  const csv = (suffix: string, render: (t: SessionTest<R>) => string) => async (): Promise<Download | undefined> => {
    const t = test();
    if (!t) return undefined;
    return { filename: `stampede_${stamp(t.run.runner.startedAtWallMs)}_${suffix}.csv`, type: 'text/csv; charset=utf-8', body: render(t) };
  };
  return {
    json: {
      '/api/status': () => source.status(),
      '/api/stats': () => source.tickFrame([]).stats,
      '/api/history': () => source.history(),
      '/api/failures': () => source.problems().failures,
      '/api/exceptions': () => source.problems().exceptions,
      '/api/system': () => ctx.system(),
      '/api/logs': (q) => ctx.logs.since(Number(q.get('after') ?? 0) || 0),
      '/api/workers': () => workersResponse(ctx.cluster),
      // Locust's shape, for dashboards and scripts written against Locust's /stats/requests.
      '/stats/requests': () => locustStats(source.tickFrame([]), source.problems().failures),
    },
    // The running test's metrics on the web port (issue #9); before the first test, the same families with no samples.
    text: {
      '/metrics': () => {
        const t = test();
        return { type: EXPOSITION_CONTENT_TYPE, body: renderTestMetrics(t?.run.aggregate ?? new Aggregate(), t?.run.runner) };
      },
    },
    downloads: {
      '/download/stats.csv': csv('stats', (t) => renderStatsCsv(t.run.aggregate, session.elapsedS())),
      '/download/stats_history.csv': csv('stats_history', (t) => renderStatsHistoryCsv(t.run.aggregate, t.run.runner.startedAtWallMs)),
      '/download/failures.csv': csv('failures', (t) => renderFailuresCsv(t.run.aggregate)),
      '/download/exceptions.csv': csv('exceptions', (t) => renderExceptionsCsv(t.run.aggregate)),
      '/download/report.json': async () => {
        const t = test();
        if (!t) return undefined;
        const body = `${JSON.stringify(ctx.reports.json(t), null, 2)}\n`;
        return { filename: `stampede_${stamp(t.run.runner.startedAtWallMs)}_report.json`, type: 'application/json; charset=utf-8', body };
      },
      '/download/report.html': async () => {
        const t = test();
        const body = t && (await ctx.reports.html(t));
        if (!t || body === undefined) return undefined;
        return { filename: `stampede_${stamp(t.run.runner.startedAtWallMs)}_report.html`, type: 'text/html; charset=utf-8', body };
      },
    },
    actions: {
      '/api/start': async (body) => {
        await session.start(session.parseStart((body ?? {}) as object));
        return source.status();
      },
      '/api/edit': async (body) => {
        session.edit((body ?? {}) as object);
        return source.status();
      },
      '/api/stop': async () => {
        await session.stop();
        return source.status();
      },
      '/api/reset': async () => {
        session.reset();
        return source.status();
      },
    },
  };
}
