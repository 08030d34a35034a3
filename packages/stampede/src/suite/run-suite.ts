/**
 * Runs a suite: preflight (target health, requirements), each test in order with its own monitor, and the report
 * directory written as it goes — each test's results JSON and page as it ends, summary.json (`partial` until the
 * last test) and report.html rewritten after every test — then prints the pass/fail table, the recommendations and,
 * last, the report path. Exit code 1 when a test failed (docs/exit-codes.md).
 */
import os from 'node:os';
import path from 'node:path';
import { systemClock, type Clock } from '../clock.ts';
import { silentLogger, type Logger } from '../logger.ts';
import { DEFAULT_SCRAPE_SERIES } from '../monitor/metrics-scraper.ts';
import type { JsonReport } from '../report/report-types.ts';
import { preflight } from './preflight.ts';
import { cpuRecommendations, latencyRecommendations, leakRecommendations } from './recommendations.ts';
import { errorSpikeRecommendations, generatorRecommendations, storageRecommendations } from './recommendations-timeline.ts';
import { createReportDir, resultsFileName, writeHtml, writeJson, writeTestPage } from './report-files.ts';
import { recommendationLines, summaryTable } from './summary-table.ts';
import type { SuiteEnvironment } from './test-context.ts';
import { runSuiteTest, type TestRun } from './test-runner.ts';
import type { Recommendation, SuiteDefinition, SuiteProfile, SuiteSummary, SuiteTest, TestRecord } from './types.ts';

/** Options of runSuite. */
export interface RunSuiteOptions {
  /** Base URL of the target, e.g. http://127.0.0.1:8000. */
  target: string;
  /** PID of the target (its descendants too) for the process figures; omit when it runs elsewhere. */
  targetPid?: number;
  /** Parent of the timestamped report directory (default 'performance_reports', relative to the cwd). */
  reportRoot?: string;
  quick?: boolean;
  profile?: SuiteProfile;
  /** Monitor sampling period, ms (default 500). */
  monitorIntervalMs?: number;
  /** Run only the tests with these names (the others are reported as skipped). */
  only?: string[];
  clock?: Clock;
  logger?: Logger;
  /** Where the table and the report path are printed (default: nowhere). */
  out?: (line: string) => void;
  signal?: AbortSignal;
  /** Written into the results JSON `version`. */
  version?: string;
}

/** What runSuite hands back. */
export interface SuiteRunResult {
  dir: string;
  summary: SuiteSummary;
  /** 0, or 1 when a test failed. */
  exitCode: number;
  html: 'renderHtmlReport' | 'minimal';
}

function skippedRun(test: SuiteTest, reason: string): TestRun['record'] {
  const summary = { name: test.name, category: test.category, status: 'skipped' as const, passed: false, reason, duration_s: 0, headline: [], metrics: {}, findings: [] };
  return { test, summary, samples: [], settings: {}, generatorSaturated: false };
}

/** Every recommendation, in a stable order. */
export function recommend(records: readonly TestRecord[], reports: ReadonlyMap<string, JsonReport>, cores: number): Recommendation[] {
  return [
    ...leakRecommendations(records),
    ...cpuRecommendations(records, cores),
    ...latencyRecommendations(records, (r) => reports.get(r.summary.name)?.endpoints ?? []),
    ...errorSpikeRecommendations(records),
    ...storageRecommendations(records),
    ...generatorRecommendations(records),
  ];
}

/** What the suite has so far: records and results of the tests done, in order. */
interface Progress {
  records: TestRecord[];
  reports: Map<string, JsonReport>;
  results_files: Record<string, string>;
}

/**
 * Writes the report directory as it stands: summary.json (partial while tests remain) and report.html. Called after
 * every test, so a crash or a kill loses at most the test that was running.
 */
async function writeProgress(dir: string, head: Omit<SuiteSummary, 'partial' | 'interrupted' | 'pending' | 'ended_at' | 'duration_s' | 'results_files' | 'tests' | 'recommendations'>, p: Progress, o: { pending: string[]; interrupted: boolean; clock: Clock; startMs: number }): Promise<{ summary: SuiteSummary; html: SuiteRunResult['html'] }> {
  const summary: SuiteSummary = {
    ...head,
    partial: o.pending.length > 0 || o.interrupted,
    interrupted: o.interrupted,
    pending: o.pending,
    ended_at: new Date(o.clock.wallNow()).toISOString(),
    duration_s: Math.round((o.clock.now() - o.startMs) / 10) / 100,
    results_files: { ...p.results_files },
    tests: p.records.map((r) => r.summary),
    recommendations: recommend(p.records, p.reports, head.environment.cores),
  };
  await writeJson(path.join(dir, 'summary.json'), summary);
  const html = await writeHtml(dir, summary, p.reports);
  return { summary, html };
}

/** Runs the suite to its end, writing the report directory after every test. Throws SuiteError when preflight fails. */
export async function runSuite(suite: SuiteDefinition, o: RunSuiteOptions): Promise<SuiteRunResult> {
  const clock = o.clock ?? systemClock;
  const targetUrl = o.target.replace(/\/+$/, '');
  const { missing } = await preflight(suite, targetUrl);
  const startedAt = clock.wallNow();
  const startMs = clock.now();
  const dir = createReportDir(o.reportRoot ?? 'performance_reports', startedAt);
  const env: SuiteEnvironment = { targetUrl, logger: o.logger ?? silentLogger, clock, reportDir: dir, quick: o.quick ?? false, profile: o.profile ?? 'baseline', signal: o.signal ?? new AbortController().signal };
  const head = {
    suite: suite.name, target: targetUrl, profile: env.profile, quick: env.quick, started_at: new Date(startedAt).toISOString(),
    environment: { cores: os.availableParallelism(), node: process.version, platform: `${os.platform()} ${os.arch()}` },
  };
  const metricsPath = suite.metricsPath === undefined ? '/metrics' : suite.metricsPath;
  const monitor = { intervalMs: o.monitorIntervalMs, targetPid: o.targetPid, scrape: metricsPath ? { url: `${env.targetUrl}${metricsPath}`, series: suite.scrapeSeries ?? DEFAULT_SCRAPE_SERIES } : undefined };
  const progress: Progress = { records: [], reports: new Map(), results_files: {} };
  // Not run yet: an interrupted suite has nothing pending, since every remaining test is reported as skipped.
  const pending = () => (env.signal.aborted ? [] : suite.tests.slice(progress.records.length).map((t) => t.name));
  // Written before the first test too: the directory says at once what is coming.
  await writeProgress(dir, head, progress, { pending: suite.tests.map((t) => t.name), interrupted: false, clock, startMs });
  for (const [i, test] of suite.tests.entries()) {
    const need = (test.needs ?? []).find((n) => missing.has(n));
    let reason = env.signal.aborted ? 'suite interrupted before this test' : need ? `needs ${missing.get(need)}` : undefined;
    if (!reason && o.only && !o.only.includes(test.name)) reason = 'not selected (--only)';
    if (reason) {
      progress.records.push(skippedRun(test, reason));
      await writeProgress(dir, head, progress, { pending: pending(), interrupted: env.signal.aborted, clock, startMs });
      continue;
    }
    env.logger.log('info', `suite ${suite.name}: ${test.name} (${test.category})`);
    const run = await runSuiteTest(test, env, monitor, o.version ?? '0.0.0');
    // A signal during the test cut its load short: its figures cannot vouch for a pass.
    if (env.signal.aborted && run.record.summary.status === 'passed') {
      Object.assign(run.record.summary, { status: 'inconclusive', passed: false, reason: `suite interrupted during this test: its figures cover only the ${run.record.summary.duration_s} s it ran` });
    }
    progress.records.push(run.record);
    progress.reports.set(test.name, run.report);
    progress.results_files[test.name] = resultsFileName(i, test.name);
    await writeJson(path.join(dir, progress.results_files[test.name]!), run.report);
    await writeTestPage(dir, suite.name, progress.results_files[test.name]!, test.name, run.report);
    await writeProgress(dir, head, progress, { pending: pending(), interrupted: env.signal.aborted, clock, startMs });
  }
  const { summary, html } = await writeProgress(dir, head, progress, { pending: [], interrupted: env.signal.aborted, clock, startMs });
  const out = o.out ?? (() => {});
  for (const line of summaryTable(summary)) out(line);
  for (const line of recommendationLines(summary)) out(line);
  out(`report: ${path.join(dir, 'report.html')}${html === 'minimal' ? ' (minimal page: src/report/html-report.ts not available yet)' : ''}`);
  return { dir, summary, exitCode: progress.records.some((r) => r.summary.status === 'failed') ? 1 : 0, html };
}
