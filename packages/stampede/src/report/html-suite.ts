/**
 * Sections for a suite's results and recommendations (summary.json, docs/json-report.md) and the monitor's leak verdict.
 * The suite shape is read structurally and defensively: any field may be missing or of an unexpected type.
 */
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
  metrics?: Record<string, unknown>;
  findings?: unknown[];
}

/** summary.json of a suite run (the suite's SuiteSummary is assignable to this). */
export interface HtmlSuiteSummary {
  suite?: string;
  target?: string;
  profile?: string;
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

/** The suite's tests (verdict, reason, metrics, findings) and its recommendations with their evidence. */
export function suiteHtml(summary: HtmlSuiteSummary | undefined): string {
  if (!summary || typeof summary !== 'object') return '';
  const tests = Array.isArray(summary.tests) ? summary.tests : [];
  const rows = tests
    .map((t) => {
      const status = typeof t.status === 'string' ? t.status : t.passed === false ? 'failed' : 'passed';
      const findings = Array.isArray(t.findings) && t.findings.length ? `<ul class="kv">${t.findings.map((f) => `<li>${findingText(f)}</li>`).join('')}</ul>` : '';
      return `<tr><td class="name">${esc(t.name)}</td><td>${esc(t.category ?? '')}</td><td>${badge(status)}${t.reason ? `<div class="muted">${esc(t.reason)}</div>` : ''}</td><td class="n">${esc(fmt(t.duration_s, 1))}</td><td>${kvList(t.metrics)}</td><td>${findings}</td></tr>`;
    })
    .join('');
  const recs = Array.isArray(summary.recommendations) ? summary.recommendations : [];
  const recHtml = recs.length
    ? `<h3>Recommendations</h3><ol>${recs.map((r) => `<li>${esc(plainText(r?.text))}${r?.evidence !== undefined ? `<div class="muted">evidence: ${esc(plainText(r.evidence))}</div>` : ''}</li>`).join('')}</ol>`
    : '<h3>Recommendations</h3><p class="muted">None: nothing in the results called for a change.</p>';
  const ident = [summary.suite && `suite ${summary.suite}`, summary.target && `target ${summary.target}`, summary.profile && `profile ${summary.profile}`].filter(Boolean);
  return `<section id="suite"><h2>Suite results ${badge(suiteVerdict(summary))}</h2>${ident.length ? `<p class="muted">${esc(ident.join(' · '))}</p>` : ''}<div class="scroll"><table class="sortable"><thead><tr><th>test</th><th>category</th><th>status</th><th class="n">duration s</th><th>metrics</th><th>findings</th></tr></thead><tbody>${rows}</tbody></table></div>${recHtml}</section>`;
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
