/**
 * The HTML report (`--html FILE`, `stampede report`, and every suite report directory): one self-contained file that
 * works from disk with no network — summary and verdicts, thresholds and checks, the sortable endpoint table, charts
 * over time, the latency spectrum per endpoint, errors and exceptions, the monitor's charts, and a suite's results and
 * recommendations; and a suite's own page (renderSuiteReport). It reads the finished JsonReport only: no statistics of its own (docs/architecture.md, data flow).
 */
import { writeFile } from 'node:fs/promises';
import { monitorCharts, spectrumChart, suiteTestCharts, timeseriesCharts, type ChartSpec } from './html-charts.ts';
import { chartsHtml, endpointsHtml, errorsHtml, headerHtml, metricsHtml, runVerdict, summaryHtml, thresholdsHtml } from './html-sections.ts';
import { monitorHtml, partialBanner, recommendationsHtml, suiteHeaderHtml, suiteHtml, suiteOverviewHtml, suiteTestHtml, suiteVerdict, testAnchor, type HtmlSuiteSummary } from './html-suite.ts';
import { renderPage } from './html-template.ts';
import type { JsonReport } from './report-types.ts';

export type { HtmlSuiteSummary, HtmlSuiteTest } from './html-suite.ts';

/** Optional parts of the report beyond the run itself. */
export interface HtmlReportExtras {
  /** Page title (default "Stampede report — HOST"). */
  title?: string;
  /** A suite's summary.json: its test verdicts and recommendations are shown first, and decide the verdict. */
  suite?: HtmlSuiteSummary;
}

/** The whole report as an HTML string (pure; ~tens of ms for a one-hour run with 50 endpoints). */
export function renderHtmlReport(report: JsonReport, extras: HtmlReportExtras = {}): string {
  const title = extras.title ?? `Stampede report${report.config.host ? ` — ${report.config.host}` : ''}`;
  const series = timeseriesCharts(report.timeseries ?? []);
  const spectrum = spectrumChart(report.endpoints);
  const monitor = monitorCharts(report.monitor);
  const charts: ChartSpec[] = [...series, ...(spectrum ? [spectrum] : []), ...monitor];
  let verdict: string = runVerdict(report);
  if (extras.suite && verdict !== 'failed') verdict = suiteVerdict(extras.suite) === 'failed' ? 'failed' : verdict;
  const nav: Array<[string, string]> = [
    ...(extras.suite ? ([['suite', 'Suite']] as Array<[string, string]>) : []),
    ['summary', 'Summary'],
    ['endpoints', 'Endpoints'],
    ...(report.metrics?.length ? ([['metrics', 'Custom metrics']] as Array<[string, string]>) : []),
    ['over-time', 'Over time'],
    ['spectrum', 'Percentiles'],
    ['errors', 'Errors'],
    ...(report.monitor ? ([['monitor', 'Resources']] as Array<[string, string]>) : []),
  ];
  const body = [
    headerHtml(report, title, nav),
    '<main>',
    suiteHtml(extras.suite),
    summaryHtml(report, verdict),
    thresholdsHtml(report),
    endpointsHtml(report),
    metricsHtml(report),
    chartsHtml('over-time', 'Over time', series.map((c) => c.id), series.length ? '' : 'No per-second data.') ||
      '<section id="over-time"><h2>Over time</h2><p class="muted">The run was too short for per-second data.</p></section>',
    spectrum
      ? chartsHtml('spectrum', 'Latency percentile spectrum', [spectrum.id], 'Per endpoint, from its full histogram (x axis: 90 %, 99 %, 99.9 % ... evenly spaced). Click a legend entry to show or hide an endpoint.')
      : '',
    errorsHtml(report),
    monitorHtml(report.monitor, monitor.map((c) => c.id)),
    '</main>',
  ].join('\n');
  return renderPage({ title, body, data: { charts } });
}

/**
 * A suite's report.html: the overview of every test and the recommendations first (what passed, what failed, why,
 * what to do — the first screen), then a section per test with its own charts and a link to its full page. `reports`
 * holds the results JSON of each test that ran, by name.
 */
export function renderSuiteReport(summary: HtmlSuiteSummary, reports: ReadonlyMap<string, Pick<JsonReport, 'timeseries' | 'monitor'>>): string {
  const title = `${summary.suite ?? 'suite'} performance report`;
  const tests = Array.isArray(summary.tests) ? summary.tests.filter((t) => t && typeof t === 'object') : [];
  const charts: ChartSpec[] = [];
  const sections = tests.map((t, i) => {
    const report = reports.get(t.name);
    const specs = report ? suiteTestCharts(report, testAnchor(i)) : [];
    charts.push(...specs);
    return suiteTestHtml(t, i, specs.map((c) => c.id), summary.results_files?.[t.name]);
  });
  const body = [suiteHeaderHtml(summary, title), '<main>', partialBanner(summary), suiteOverviewHtml(summary, { linkSections: true }), recommendationsHtml(summary), ...sections, '</main>'].join('\n');
  return renderPage({ title, body, data: { charts } });
}

/** Render and write the report to `file` (UTF-8). */
export async function writeHtmlReport(report: JsonReport, file: string, extras?: HtmlReportExtras): Promise<void> {
  await writeFile(file, renderHtmlReport(report, extras), 'utf8');
}
