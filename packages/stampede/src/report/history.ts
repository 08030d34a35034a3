/**
 * The history index (`stampede report --history performance_reports/ --html index.html`): every run directory
 * (a suite's `<YYYYmmdd-HHMMSS>/` with summary.json and one results JSON per test) or loose results JSON, oldest
 * first, with trend charts of p95, p99, RPS and error rate per test across runs. Unreadable files are skipped
 * with a note, never fatal: an index of many runs must survive one damaged run.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ChartSpec } from './html-charts.ts';
import { roundForChart } from './html-charts.ts';
import { badge, chartsHtml, fmt } from './html-sections.ts';
import { suiteVerdict, type HtmlSuiteSummary } from './html-suite.ts';
import { escapeHtml as esc, renderPage } from './html-template.ts';

/** One test's headline figures in one run. */
export interface HistoryTest {
  name: string;
  status?: string;
  p50_ms?: number;
  p95_ms?: number;
  p99_ms?: number;
  rps?: number;
  /** Failures / requests, a fraction. */
  error_rate?: number;
}

/** One run of the history. */
export interface HistoryRun {
  /** Directory or file name (sorts by time for suite directories). */
  name: string;
  started_at?: string;
  verdict?: string;
  tests: HistoryTest[];
  /** Link to the run's HTML report, relative to the index. */
  href?: string;
}

async function readJson(file: string): Promise<any> {
  return JSON.parse(await readFile(file, 'utf8'));
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

function figures(name: string, report: any, status?: string): HistoryTest {
  const t = report?.totals ?? {};
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const requests = num(t.requests);
  return {
    name,
    status,
    p50_ms: num(t.latency_ms?.p50),
    p95_ms: num(t.latency_ms?.p95),
    p99_ms: num(t.latency_ms?.p99),
    rps: num(t.rps),
    error_rate: requests ? (num(t.failures) ?? 0) / requests : undefined,
  };
}

async function runFromDir(root: string, dir: string, indexDir: string, notes: string[]): Promise<HistoryRun | null> {
  const path = join(root, dir);
  const run: HistoryRun = { name: dir, tests: [] };
  if (await exists(join(path, 'report.html'))) run.href = relative(indexDir, join(path, 'report.html'));
  if (await exists(join(path, 'summary.json'))) {
    const summary = (await readJson(join(path, 'summary.json'))) as HtmlSuiteSummary & { started_at?: string; results_files?: Record<string, string> };
    run.started_at = summary.started_at;
    // A run still going, interrupted or killed says so rather than passing on the tests it finished.
    run.verdict = summary.partial ? 'partial' : suiteVerdict(summary);
    for (const test of summary.tests ?? []) {
      const file = summary.results_files?.[test.name];
      let report: unknown;
      if (file) report = await readJson(join(path, file)).catch(() => (notes.push(`${dir}/${file}: unreadable`), undefined));
      run.tests.push(figures(test.name, report, test.status));
    }
    return run;
  }
  for (const f of (await readdir(path)).filter((x) => x.endsWith('.json')).sort()) {
    const report = await readJson(join(path, f)).catch(() => undefined);
    if (report?.tool === 'stampede') run.tests.push(figures(f.replace(/\.json$/, ''), report));
  }
  return run.tests.length ? run : null;
}

/** Collect the runs under `root` (subdirectories and loose results JSON), oldest first by name. */
export async function collectHistory(root: string, indexFile: string): Promise<{ runs: HistoryRun[]; notes: string[] }> {
  const notes: string[] = [];
  const runs: HistoryRun[] = [];
  const indexDir = join(indexFile, '..');
  for (const entry of (await readdir(root, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    try {
      if (entry.isDirectory()) {
        const run = await runFromDir(root, entry.name, indexDir, notes);
        if (run) runs.push(run);
      } else if (entry.name.endsWith('.json')) {
        const report = await readJson(join(root, entry.name));
        if (report?.tool === 'stampede') {
          const name = entry.name.replace(/\.json$/, '');
          runs.push({ name, started_at: report.started_at, verdict: report.partial ? 'partial' : undefined, tests: [figures('run', report)] });
        }
      }
    } catch (err) {
      notes.push(`${entry.name}: ${(err as Error).message}`);
    }
  }
  return { runs, notes };
}

const TREND_METRICS: Array<[keyof HistoryTest, string, string, number]> = [
  ['p95_ms', 'p95 latency', 'ms', 1],
  ['p99_ms', 'p99 latency', 'ms', 1],
  ['rps', 'Throughput', 'requests/s', 1],
  ['error_rate', 'Error rate', '%', 100],
];

/** One trend chart per metric: a series per test name, x = run index. */
export function trendCharts(runs: readonly HistoryRun[]): ChartSpec[] {
  const names = [...new Set(runs.flatMap((r) => r.tests.map((t) => t.name)))];
  return TREND_METRICS.map(([key, title, unit, scale]) => ({
    id: `trend-${key}`,
    title,
    yLabel: unit,
    xKind: 'runs' as const,
    x: runs.map((_, i) => i),
    xLabels: runs.map((r) => r.name),
    series: names.map((name) => ({
      label: name,
      values: runs.map((r) => {
        const v = r.tests.find((t) => t.name === name)?.[key];
        return typeof v === 'number' ? roundForChart(v * scale) : null;
      }),
    })),
  }));
}

/** The index page. */
export function renderHistoryIndex(runs: readonly HistoryRun[], notes: readonly string[] = []): string {
  const charts = runs.length ? trendCharts(runs) : [];
  const rows = [...runs]
    .reverse()
    .map((r) => {
      const failed = r.tests.filter((t) => t.status === 'failed').length;
      const link = r.href ? `<a href="${esc(r.href.split('/').map(encodeURIComponent).join('/'))}">${esc(r.name)}</a>` : esc(r.name);
      const tests = r.tests.map((t) => `${t.name}: p95 ${fmt(t.p95_ms)} ms, ${fmt(t.rps, 1)} req/s`).join('; ');
      return `<tr><td>${link}</td><td>${esc(r.started_at ?? '')}</td><td>${r.verdict ? badge(r.verdict) : ''}</td><td class="n">${r.tests.length}</td><td class="n">${failed}</td><td class="name">${esc(tests)}</td></tr>`;
    })
    .join('');
  const body = [
    `<header><h1>Stampede history</h1><div class="meta">${esc(runs.length)} runs</div></header><main>`,
    chartsHtml('trends', 'Trends across runs', charts.map((c) => c.id), 'One line per test; x axis: runs, oldest first.'),
    `<section id="runs"><h2>Runs</h2><div class="scroll"><table class="sortable"><thead><tr><th>run</th><th>started</th><th>verdict</th><th class="n">tests</th><th class="n">failed</th><th>figures</th></tr></thead><tbody>${rows}</tbody></table></div></section>`,
    notes.length ? `<section><h2>Skipped</h2><ul>${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>` : '',
    '</main>',
  ].join('\n');
  return renderPage({ title: 'Stampede history', body, data: { charts } });
}

/** Collect the runs under `root` and write the index to `file`; resolves the number of runs. */
export async function writeHistoryIndex(root: string, file: string): Promise<number> {
  const { runs, notes } = await collectHistory(root, file);
  await writeFile(file, renderHistoryIndex(runs, notes), 'utf8');
  return runs.length;
}
