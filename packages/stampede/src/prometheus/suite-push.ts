/**
 * Pushes a finished suite run to a Prometheus Pushgateway (`stampede suite --pushgateway URL`), so the trends
 * dashboard shows suite runs beside script runs. One group per test — `job="stampede-suite"`,
 * `instance="<suite>/<test>"` — holding the test's run summary (the same `stampede_run_*` gauges a script run
 * pushes, from its results JSON) plus its verdict and figures (`stampede_suite_test_*`); and one group for the run,
 * `instance="<suite>"`, with the verdict counts (`stampede_suite_*`). Each push replaces the group's previous run:
 * the Pushgateway holds the latest, Prometheus the history.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonReport } from '../report/report-types.ts';
import type { SuiteSummary, TestSummary } from '../suite/types.ts';
import { ExpositionWriter } from './exposition.ts';
import { pushGroup, renderRunSummary } from './pushgateway.ts';

/** The Pushgateway job of suite runs (script runs push as `stampede`). */
export const SUITE_JOB = 'stampede-suite';
const STATUSES = ['passed', 'failed', 'inconclusive', 'skipped'] as const;

/** A test's verdict and numeric figures (booleans as 0/1; text figures are left out) in the text format. */
export function renderSuiteTest(test: TestSummary): string {
  const w = new ExpositionWriter();
  w.family('stampede_suite_test_passed', 'gauge', '1 when the test passed in the last suite run.').sample('stampede_suite_test_passed', {}, test.passed ? 1 : 0);
  w.family('stampede_suite_test_status', 'gauge', 'The test\'s verdict in the last suite run: 1 for its status, 0 for the others.');
  for (const s of STATUSES) w.sample('stampede_suite_test_status', { status: s }, test.status === s ? 1 : 0);
  w.family('stampede_suite_test_duration_seconds', 'gauge', 'How long the test took in the last suite run, in seconds.').sample('stampede_suite_test_duration_seconds', {}, test.duration_s);
  w.family('stampede_suite_test_figure', 'gauge', 'The test\'s figures in the last suite run, by name (units in the name: _ms, _per_s, _bytes).');
  for (const [figure, v] of Object.entries(test.metrics)) {
    if (typeof v === 'number' && Number.isFinite(v)) w.sample('stampede_suite_test_figure', { figure }, v);
    else if (typeof v === 'boolean') w.sample('stampede_suite_test_figure', { figure }, v ? 1 : 0);
  }
  return w.text();
}

/** The run's verdict counts, duration and end time in the text format. */
export function renderSuiteRun(summary: SuiteSummary): string {
  const w = new ExpositionWriter();
  w.family('stampede_suite_tests', 'gauge', 'Tests of the last suite run, by verdict.');
  for (const s of STATUSES) w.sample('stampede_suite_tests', { status: s }, summary.tests.filter((t) => t.status === s).length);
  const gauge = (name: string, help: string, value: number) => w.family(name, 'gauge', help).sample(name, {}, value);
  gauge('stampede_suite_passed', '1 when no test failed in the last suite run.', summary.tests.some((t) => t.status === 'failed') ? 0 : 1);
  gauge('stampede_suite_recommendations', 'Recommendations of the last suite run.', summary.recommendations.length);
  gauge('stampede_suite_duration_seconds', 'Duration of the last suite run, in seconds.', summary.duration_s);
  gauge('stampede_suite_end_timestamp_seconds', 'When the last suite run ended, Unix time in seconds.', Date.parse(summary.ended_at) / 1000);
  return w.text();
}

/**
 * Pushes every test of `summary` (with its results JSON from `dir` when it has one) and then the run.
 * @throws PrometheusError `STAMPEDE_ERR_PROMETHEUS_PUSH` at the first push the Pushgateway does not take
 */
export async function pushSuiteRun(url: string, summary: SuiteSummary, dir: string): Promise<void> {
  for (const test of summary.tests) {
    const file = summary.results_files[test.name];
    const report = file ? (JSON.parse(await readFile(path.join(dir, file), 'utf8')) as JsonReport) : undefined;
    const body = (report ? renderRunSummary(report) : '') + renderSuiteTest(test);
    await pushGroup(url, SUITE_JOB, `${summary.suite}/${test.name}`, body, `the results of ${test.name}`);
  }
  await pushGroup(url, SUITE_JOB, summary.suite, renderSuiteRun(summary), 'the suite run');
}
