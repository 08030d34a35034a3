/**
 * Runs a suite: preflight (target health, requirements), each test in order with its own monitor, then the
 * recommendations, and the report directory (results JSON per test, summary.json, report.html); prints the
 * pass/fail table and the report path. Exit code 1 when a test failed (docs/exit-codes.md).
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
import { createReportDir, resultsFileName, writeHtml, writeJson } from './report-files.ts';
import { summaryTable } from './summary-table.ts';
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
  const summary = { name: test.name, category: test.category, status: 'skipped' as const, passed: false, reason, duration_s: 0, metrics: {}, findings: [] };
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

async function runTests(suite: SuiteDefinition, o: RunSuiteOptions, env: SuiteEnvironment, missing: Map<string, string>) {
  const records: TestRecord[] = [];
  const reports = new Map<string, JsonReport>();
  const metricsPath = suite.metricsPath === undefined ? '/metrics' : suite.metricsPath;
  const monitor = { intervalMs: o.monitorIntervalMs, targetPid: o.targetPid, scrape: metricsPath ? { url: `${env.targetUrl}${metricsPath}`, series: suite.scrapeSeries ?? DEFAULT_SCRAPE_SERIES } : undefined };
  for (const test of suite.tests) {
    const need = (test.needs ?? []).find((n) => missing.has(n));
    let reason = env.signal.aborted ? 'suite interrupted before this test' : need ? `needs ${missing.get(need)}` : undefined;
    if (!reason && o.only && !o.only.includes(test.name)) reason = 'not selected (--only)';
    if (reason) {
      records.push(skippedRun(test, reason));
      continue;
    }
    env.logger.log('info', `suite ${suite.name}: ${test.name} (${test.category})`);
    const run = await runSuiteTest(test, env, monitor, o.version ?? '0.0.0');
    records.push(run.record);
    reports.set(test.name, run.report);
  }
  return { records, reports };
}

/** Runs the suite to its end and writes the report directory. Throws SuiteError when preflight fails. */
export async function runSuite(suite: SuiteDefinition, o: RunSuiteOptions): Promise<SuiteRunResult> {
  const clock = o.clock ?? systemClock;
  const targetUrl = o.target.replace(/\/+$/, '');
  const { missing } = await preflight(suite, targetUrl);
  const startedAt = clock.wallNow();
  const startMs = clock.now();
  const dir = createReportDir(o.reportRoot ?? 'performance_reports', startedAt);
  const env: SuiteEnvironment = { targetUrl, logger: o.logger ?? silentLogger, clock, reportDir: dir, quick: o.quick ?? false, profile: o.profile ?? 'baseline', signal: o.signal ?? new AbortController().signal };
  const { records, reports } = await runTests(suite, o, env, missing);
  const results_files: Record<string, string> = {};
  for (const [i, test] of suite.tests.entries()) {
    const report = reports.get(test.name);
    if (!report) continue;
    results_files[test.name] = resultsFileName(i, test.name);
    await writeJson(path.join(dir, results_files[test.name]!), report);
  }
  const cores = os.availableParallelism();
  const summary: SuiteSummary = {
    suite: suite.name, target: targetUrl, profile: env.profile, quick: env.quick,
    started_at: new Date(startedAt).toISOString(), ended_at: new Date(clock.wallNow()).toISOString(),
    duration_s: Math.round((clock.now() - startMs) / 10) / 100,
    environment: { cores, node: process.version, platform: `${os.platform()} ${os.arch()}` },
    results_files,
    tests: records.map((r) => r.summary),
    recommendations: recommend(records, reports, cores),
  };
  await writeJson(path.join(dir, 'summary.json'), summary);
  const html = await writeHtml(dir, summary, reports);
  const out = o.out ?? (() => {});
  for (const line of summaryTable(summary)) out(line);
  out(`report: ${path.join(dir, 'report.html')}${html === 'minimal' ? ' (minimal page: src/report/html-report.ts not available yet)' : ''}`);
  return { dir, summary, exitCode: records.some((r) => r.summary.status === 'failed') ? 1 : 0, html };
}
