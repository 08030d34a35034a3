/**
 * The report directory of a suite run: `performance_reports/<YYYYmmdd-HHMMSS>/` with one results JSON and one page
 * per test, summary.json and report.html, each rewritten whole as the suite goes. The pages are rendered by
 * src/report/html-report.ts (`renderSuiteReport`, `renderHtmlReport`) when that module exists (it is loaded
 * dynamically, so the suite does not depend on it); otherwise a minimal, escaped summary page is written instead.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { moduleUrl } from '../module-url.ts';
import type { JsonReport } from '../report/report-types.ts';
import type { SuiteSummary } from './types.ts';

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYYmmdd-HHMMSS` in local time, for the directory name. */
export function reportStamp(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

/** Creates `<root>/<stamp>` (with `-2`, `-3`... when a run in the same second made it already) and returns it. */
export function createReportDir(root: string, epochMs: number): string {
  const base = path.resolve(root, reportStamp(epochMs));
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** File name of a test's results JSON: its position and a slug of its name, e.g. `01-concurrent-requests.json`. */
export function resultsFileName(index: number, name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'test';
  return `${pad(index + 1)}-${slug}.json`;
}

/**
 * Writes `file` whole or not at all: to a temporary name, then renamed over it. A suite killed mid-write leaves the
 * previous summary.json or report.html in place, never a truncated one.
 */
async function writeWhole(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, file);
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeWhole(file, `${JSON.stringify(value, null, 2)}\n`);
}

const escapeHtml = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The fallback page: the summary table and the recommendations, every value escaped. */
export function minimalHtml(summary: SuiteSummary): string {
  const rows = summary.tests
    .map((t) => `<tr class="${escapeHtml(t.status)}"><td>${escapeHtml(t.name)}</td><td>${escapeHtml(t.category)}</td><td>${escapeHtml(t.status)}</td><td>${escapeHtml(t.duration_s)}</td><td>${escapeHtml(t.reason ?? '')}</td><td><a href="${escapeHtml(summary.results_files[t.name] ?? '')}">results</a></td></tr>`)
    .join('\n');
  const recs = summary.recommendations.map((r) => `<li>${escapeHtml(r.text)}<pre>${escapeHtml(JSON.stringify(r.evidence, null, 1))}</pre></li>`).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(summary.suite)} performance report</title>
<style>body{font:14px system-ui;margin:2em}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}.failed{color:#b00}.passed{color:#070}.inconclusive,.skipped{color:#850}pre{font-size:12px}</style></head><body>
<h1>${escapeHtml(summary.suite)}: performance report</h1>
<p>Target ${escapeHtml(summary.target)}, profile ${escapeHtml(summary.profile)}${summary.quick ? ' (quick)' : ''}, ${escapeHtml(summary.started_at)}, ${escapeHtml(summary.duration_s)} s.</p>
${summary.partial ? `<p class="inconclusive">Partial: ${summary.interrupted ? 'the suite was interrupted' : `still running, ${escapeHtml(summary.pending.length)} test(s) to go`}.</p>` : ''}
<table><tr><th>test</th><th>category</th><th>status</th><th>duration (s)</th><th>reason</th><th></th></tr>
${rows}</table>
<h2>Recommendations</h2><ul>${recs || '<li>none</li>'}</ul>
<p><small>Minimal page: the full HTML report (src/report/html-report.ts) was not available.</small></p></body></html>\n`;
}

/** What the suite uses of src/report/html-report.ts. */
interface HtmlRenderers {
  renderHtmlReport(report: JsonReport, extras?: { title?: string }): string;
  renderSuiteReport(summary: SuiteSummary, reports: ReadonlyMap<string, JsonReport>): string;
}

/** The renderers of src/report/html-report.ts, when that module exists and exports them. */
async function loadRenderers(): Promise<HtmlRenderers | undefined> {
  const url = new URL(moduleUrl('../report/html-report', import.meta.url));
  if (!existsSync(url)) return undefined;
  try {
    const mod = (await import(url.href)) as Partial<HtmlRenderers>;
    return mod.renderHtmlReport && mod.renderSuiteReport ? (mod as HtmlRenderers) : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a finished test's own page (`<results>.html` beside its results JSON), the full single-run report. */
export async function writeTestPage(dir: string, suiteName: string, resultsFile: string, testName: string, report: JsonReport): Promise<void> {
  const render = await loadRenderers();
  if (!render) return;
  await writeWhole(path.join(dir, resultsFile.replace(/\.json$/, '.html')), render.renderHtmlReport(report, { title: `${suiteName}: ${testName}` }));
}

/**
 * Writes report.html: the suite's own page (overview of every test, recommendations, a section with charts per test
 * that links its page); returns which renderer was used.
 */
export async function writeHtml(dir: string, summary: SuiteSummary, reports: ReadonlyMap<string, JsonReport>): Promise<'renderHtmlReport' | 'minimal'> {
  const render = await loadRenderers();
  await writeWhole(path.join(dir, 'report.html'), render ? render.renderSuiteReport(summary, reports) : minimalHtml(summary));
  return render ? 'renderHtmlReport' : 'minimal';
}
