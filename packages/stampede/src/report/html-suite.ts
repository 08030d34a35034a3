/**
 * Sections for a suite's results and recommendations (summary.json, docs/json-report.md) and the monitor's leak verdict:
 * the overview (one compact row per test: status, time, headline figures, why), the recommendations with their
 * evidence, and a section per test with its charts and a link to its own page. The suite shape is read structurally
 * and defensively: any field may be missing or of an unexpected type.
 */
import { headlineFigureText, headlineText } from './headline-format.ts';
import { badge, chartsHtml, fmt } from './html-sections.ts';
import { escapeHtml as esc } from './html-template.ts';
import type { ReportMonitor } from './report-types.ts';

/** One test of summary.json `tests`, as far as the report relies on it. */
export interface HtmlSuiteTest {
  name: string;
  category?: string;
  status?: string;
  passed?: boolean;
  reason?: string;
  duration_s?: number;
  /** `{ label, value, unit }` figures a person reads first. */
  headline?: unknown[];
  metrics?: Record<string, unknown>;
  findings?: unknown[];
}

/** summary.json of a suite run (the suite's SuiteSummary is assignable to this). */
export interface HtmlSuiteSummary {
  suite?: string;
  target?: string;
  profile?: string;
  quick?: boolean;
  started_at?: string;
  duration_s?: number;
  environment?: { cores?: number };
  /** True while tests remain, and when the suite was interrupted. */
  partial?: boolean;
  interrupted?: boolean;
  /** Tests not run yet. */
  pending?: string[];
  /** Results JSON of each test, by name (its page is the same name with `.html`). */
  results_files?: Record<string, string>;
  tests?: HtmlSuiteTest[];
  recommendations?: Array<{ text: string; evidence?: unknown }>;
}

/** Any JSON value as short readable text (objects as `k: v` pairs). */
export function plainText(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return fmt(v, 3);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(plainText).join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}: ${plainText(x)}`).join('; ');
  return String(v);
}

function kvList(obj: unknown): string {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return obj === undefined ? '' : esc(plainText(obj));
  const items = Object.entries(obj).map(([k, v]) => `<li><b>${esc(k)}</b>: ${esc(plainText(v))}</li>`);
  return items.length ? `<ul class="kv">${items.join('')}</ul>` : '';
}

function findingText(f: unknown): string {
  if (f && typeof f === 'object' && 'text' in f) {
    const { text, kind, evidence } = f as { text: unknown; kind?: unknown; evidence?: unknown };
    return `${kind ? `<b>${esc(plainText(kind))}</b>: ` : ''}${esc(plainText(text))}${evidence ? `<div class="muted">${esc(plainText(evidence))}</div>` : ''}`;
  }
  return esc(plainText(f));
}

/** Overall suite verdict: failed if any test failed, else inconclusive if any was, else passed. */
export function suiteVerdict(summary: HtmlSuiteSummary): 'passed' | 'failed' | 'inconclusive' {
  const tests = Array.isArray(summary.tests) ? summary.tests : [];
  const status = (t: HtmlSuiteTest) => t.status ?? (t.passed === false ? 'failed' : 'passed');
  if (tests.some((t) => status(t) === 'failed')) return 'failed';
  return tests.some((t) => status(t) === 'inconclusive') ? 'inconclusive' : 'passed';
}

const statusOf = (t: HtmlSuiteTest) => (typeof t.status === 'string' ? t.status : t.passed === false ? 'failed' : 'passed');
const testsOf = (summary: HtmlSuiteSummary) => (Array.isArray(summary.tests) ? summary.tests.filter((t) => t && typeof t === 'object') : []);
const pendingOf = (summary: HtmlSuiteSummary) => (Array.isArray(summary.pending) ? summary.pending.filter((n) => typeof n === 'string') : []);

/** Anchor of a test's section: its position, so any name is a valid, unique id. */
export const testAnchor = (index: number) => `test-${index + 1}`;

/** "3 passed, 1 failed ..." over the tests, and the pending ones. */
function counts(summary: HtmlSuiteSummary): string {
  const tests = testsOf(summary);
  const n = (status: string) => tests.filter((t) => statusOf(t) === status).length;
  const parts = [`${n('passed')} passed`, `${n('failed')} failed`, `${n('inconclusive')} inconclusive`, `${n('skipped')} skipped`];
  const pending = pendingOf(summary).length;
  return `${parts.join(', ')}${pending ? `, ${pending} still to run` : ''}`;
}

/**
 * The overview: one compact row per test — status, test, time, headline figures, and why when it did not pass
 * (two lines at most; the whole reason is in the test's section and the row's tooltip). No scroll box: every row is
 * on the page itself, so the first screen shows the whole suite. `linkSections`: the names link to the sections
 * of the suite's own page.
 */
export function suiteOverviewHtml(summary: HtmlSuiteSummary, o: { linkSections: boolean }): string {
  const rows = testsOf(summary).map((t, i) => {
    const status = statusOf(t);
    const why = status === 'passed' ? '' : esc(t.reason ?? '');
    const name = o.linkSections ? `<a href="#${testAnchor(i)}">${esc(t.name)}</a>` : esc(t.name);
    return `<tr class="s-${esc(status.replace(/[^a-z]/gi, ''))}"><td>${badge(status)}</td><td class="name">${name}</td><td class="n">${esc(fmt(t.duration_s, 1))} s</td><td class="figures">${esc(headlineText(t.headline)) || '<span class="muted">–</span>'}</td><td class="why"><div class="clamp" title="${why}">${why}</div></td></tr>`;
  });
  const pending = pendingOf(summary).map((name) => `<tr class="s-pending"><td>${badge('info', 'pending')}</td><td class="name">${esc(name)}</td><td class="n"></td><td class="figures muted">not run yet</td><td class="why"></td></tr>`);
  return `<section id="overview"><h2>Suite results ${badge(summary.partial ? 'partial' : suiteVerdict(summary))} <span class="muted">${esc(counts(summary))}</span></h2><table class="overview"><thead><tr><th>status</th><th>test</th><th class="n">time</th><th>headline figures</th><th>why</th></tr></thead><tbody>${[...rows, ...pending].join('')}</tbody></table></section>`;
}

/** Evidence longer than this is folded (its start stays in view), so one wordy entry cannot push the rest down. */
const EVIDENCE_SHOWN = 240;

/** A recommendation's evidence: in full when short, else its start with the rest one click away. */
function evidenceHtml(evidence: unknown): string {
  const text = plainText(evidence);
  if (text.length <= EVIDENCE_SHOWN) return `<div class="muted evidence">evidence: ${esc(text)}</div>`;
  return `<details class="muted evidence"><summary>evidence: ${esc(text.slice(0, EVIDENCE_SHOWN))}…</summary>${esc(text)}</details>`;
}

/** The recommendations, numbered, each with the evidence it rests on. */
export function recommendationsHtml(summary: HtmlSuiteSummary): string {
  const recs = Array.isArray(summary.recommendations) ? summary.recommendations : [];
  const body = recs.length
    ? `<ol class="recs">${recs.map((r) => `<li>${esc(plainText(r?.text))}${r?.evidence !== undefined ? evidenceHtml(r.evidence) : ''}</li>`).join('')}</ol>`
    : '<p class="muted">None: nothing in the results called for a change.</p>';
  return `<section id="recommendations"><h2>Recommendations <span class="muted">${recs.length ? `${recs.length}, with the figures each rests on` : ''}</span></h2>${body}</section>`;
}

/** The suite's overview and recommendations atop a single run's report given a summary.json (no test sections there). */
export function suiteHtml(summary: HtmlSuiteSummary | undefined): string {
  if (!summary || typeof summary !== 'object') return '';
  return `${suiteOverviewHtml(summary, { linkSections: false })}${recommendationsHtml(summary)}`;
}

/** A partial suite says so first: still running, or interrupted. */
export function partialBanner(summary: HtmlSuiteSummary): string {
  if (!summary.partial) return '';
  const done = testsOf(summary).filter((t) => statusOf(t) !== 'skipped').length;
  return summary.interrupted
    ? `<div class="banner bad">The suite was interrupted: ${esc(done)} test(s) ran; the rest are skipped. Figures cover what ran (partial report).</div>`
    : `<div class="banner">In progress: ${esc(done)} test(s) done, ${esc(pendingOf(summary).length)} to go. This page is rewritten after every test (partial report).</div>`;
}

/**
 * One test's section: verdict and why, headline figures, findings, every figure (folded), its charts, and links to
 * its own full page and results JSON.
 */
export function suiteTestHtml(t: HtmlSuiteTest, index: number, chartIds: string[], resultsFile: string | undefined): string {
  const status = statusOf(t);
  const links = resultsFile ? ` · <a href="${esc(resultsFile.replace(/\.json$/, '.html'))}">full report</a> · <a href="${esc(resultsFile)}">results JSON</a>` : '';
  const why = status !== 'passed' && t.reason ? `<div class="banner${status === 'failed' ? ' bad' : ''}">${esc(t.reason)}</div>` : '';
  const figures = Array.isArray(t.headline) ? t.headline.map(headlineFigureText).filter(Boolean) : [];
  const cards = figures.length ? `<div class="cards">${figures.map((f) => `<div class="card"><div class="v">${esc(f)}</div></div>`).join('')}</div>` : '';
  const findings = Array.isArray(t.findings) && t.findings.length ? `<h3>Findings</h3><ul class="kv">${t.findings.map((f) => `<li>${findingText(f)}</li>`).join('')}</ul>` : '';
  const metrics = t.metrics && typeof t.metrics === 'object' ? `<details><summary>All figures (${Object.keys(t.metrics).length})</summary>${kvList(t.metrics)}</details>` : '';
  const charts = chartIds.length ? `<div class="charts compact">${chartIds.map((c) => `<div class="chart" data-chart="${esc(c)}"></div>`).join('')}</div>` : status === 'skipped' ? '' : '<p class="muted">No load ran: no charts.</p>';
  return `<section id="${testAnchor(index)}" class="test"><h2>${esc(t.name)} ${badge(status)}</h2><p class="muted">${esc([t.category, `${fmt(t.duration_s, 1)} s`].filter(Boolean).join(' · '))}${links} · <a href="#overview">overview</a></p>${why}${cards}${findings}${metrics}${charts}</section>`;
}

/** The suite page's header: what ran, against what, when, on how many cores. */
export function suiteHeaderHtml(summary: HtmlSuiteSummary, title: string): string {
  const meta = [
    summary.target && `target ${summary.target}`,
    summary.profile && `profile ${summary.profile}${summary.quick ? ' (quick)' : ''}`,
    summary.started_at && `started ${summary.started_at}`,
    typeof summary.duration_s === 'number' && `${fmt(summary.duration_s, 1)} s`,
    typeof summary.environment?.cores === 'number' && `${summary.environment.cores} cores`,
  ].filter((x): x is string => typeof x === 'string');
  const nav = `<a href="#overview">Overview</a><a href="#recommendations">Recommendations</a>${testsOf(summary).map((t, i) => `<a href="#${testAnchor(i)}">${esc(t.name)}</a>`).join('')}`;
  return `<header><h1>${esc(title)}</h1><div class="meta">${meta.map(esc).join(' · ')}</div><nav>${nav}</nav></header>`;
}

/** The monitor section: leak verdict and the chart containers. */
export function monitorHtml(monitor: ReportMonitor | undefined, chartIds: string[]): string {
  if (!monitor) return '';
  const leak = monitor.leak && typeof monitor.leak === 'object' ? monitor.leak : undefined;
  const verdict = typeof leak?.verdict === 'string' ? leak.verdict : undefined;
  const leakHtml = leak
    ? `<p>Memory leak check: ${badge(verdict === 'leak' ? 'fail' : verdict === 'none' || verdict === 'stable' ? 'pass' : 'info', verdict ?? 'unknown')} <span class="muted">${esc(plainText(Object.fromEntries(Object.entries(leak).filter(([k]) => k !== 'verdict'))))}</span></p>`
    : '';
  const note = `sampled every ${fmt(monitor.interval_s, 2)} s; memory in MiB`;
  const charts = chartsHtml('monitor', 'Generator and target resources', chartIds, note);
  if (!charts) return `<section id="monitor"><h2>Generator and target resources</h2>${leakHtml}<p class="muted">No samples.</p></section>`;
  return charts.replace('</h2>', () => `</h2>${leakHtml}`);
}
