/**
 * Output of `stampede compare`: an aligned text table for a terminal, Markdown for a pull-request comment, or JSON
 * (the CompareResult itself). Names come from the reports and are escaped for Markdown.
 */
import type { CompareResult, MetricComparison } from './compare-verdict.ts';

export type CompareFormat = 'text' | 'markdown' | 'json';

const ICON: Record<string, string> = { regressed: '🔴', improved: '🟢', unchanged: '⚪', added: '🆕', removed: '➖' };

function value(m: MetricComparison, v: number): string {
  if (m.metric === 'error_rate') return `${(100 * v).toFixed(2)}%`;
  return m.metric === 'rps' ? v.toFixed(1) : v.toFixed(2);
}

function signedPct(x: number | null, digits = 1): string {
  if (x === null || !Number.isFinite(x)) return '–';
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(digits)}%`;
}

/** The tested change and its interval: relative in %, or in percentage points for the error rate. */
function changeText(m: MetricComparison): string {
  if (m.change === null) return 'not tested';
  const unit = m.scale === 'absolute' ? ' pp' : '%';
  const f = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(m.scale === 'absolute' ? 2 : 1)}${unit}`;
  return m.ci ? `${f(m.change)} [${f(m.ci[0])}, ${f(m.ci[1])}]` : f(m.change);
}

function verdictText(m: MetricComparison): string {
  return m.decides ? m.verdict : `${m.verdict} (info)`;
}

interface Row {
  name: string;
  verdict: string;
  metrics: MetricComparison[];
}

function rows(result: CompareResult): Row[] {
  return [{ name: 'overall', verdict: result.overall.verdict, metrics: result.overall.metrics }, ...result.endpoints.map((e) => ({ name: `${e.method} ${e.name}`, verdict: e.verdict, metrics: e.metrics }))];
}

const VERDICT_TEXT = { regressed: 'REGRESSED', inconclusive: 'INCONCLUSIVE', no_regression: 'no significant regression' } as const;
const VERDICT_ICON = { regressed: '🔴', inconclusive: '🟡', no_regression: '🟢' } as const;

/** What the runs can and cannot show: the effect size, and the run length that would show it. */
function powerLines(result: CompareResult): string[] {
  const effect = `${+(100 * result.effect_size).toFixed(1)}%`;
  const needed = result.needed_run_s === null ? '' : ` Runs of about ${result.needed_run_s} s each would (same load).`;
  if (result.verdict === 'inconclusive') {
    return [`inconclusive: too few effective samples to detect a ${effect} change in p50 and p95.${needed}`, ...result.inconclusive_reasons.map((r) => `  ${r}`)];
  }
  if (result.verdict === 'regressed' && result.inconclusive_reasons.length > 0) {
    return [`the runs are too short to detect every ${effect} change; what regressed did so beyond doubt.${needed}`];
  }
  return [];
}

function header(result: CompareResult): string {
  const verdict = VERDICT_TEXT[result.verdict];
  return `Stampede compare: ${verdict} (tolerance ${(100 * result.tolerance).toFixed(1)}%, error tolerance ${(100 * result.error_tolerance).toFixed(2)} pp, ${(100 * (1 - result.alpha)).toFixed(0)}% intervals, seed ${result.seed}; warm-up ${result.warmup_s.map((w) => w.toFixed(0)).join('/')} s excluded)`;
}

/** Plain text: one block per row, one line per metric. */
export function formatCompareText(result: CompareResult): string {
  const power = powerLines(result);
  const lines = [header(result), ...(power.length ? ['', ...power] : []), ''];
  const table: string[][] = [['', 'metric', 'base', 'new', 'Δ', 'change [interval]', 'verdict']];
  for (const row of rows(result)) {
    table.push([row.name, '', '', '', '', '', row.verdict.toUpperCase()]);
    for (const m of row.metrics) table.push(['', m.metric, value(m, m.base), value(m, m.new), signedPct(m.delta_pct), changeText(m), verdictText(m)]);
  }
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => [...r[c]].length)));
  for (const r of table) lines.push(r.map((cell, c) => (c >= 2 && c <= 4 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
  if (result.notes.length) lines.push('', ...result.notes.map((n) => `note: ${n}`));
  return `${lines.join('\n')}\n`;
}

/** Markdown-safe text for a table cell: no table breaks, no HTML, no links or emphasis, no @mentions. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`)
    .replace(/@/g, '@\u200b')
    .replace(/\r?\n/g, ' ');
}

/** Markdown for a pull-request comment: a summary table, then details per row. */
export function formatCompareMarkdown(result: CompareResult): string {
  const out = [`### ${VERDICT_ICON[result.verdict]} ${header(result)}`, ''];
  const power = powerLines(result);
  if (power.length) out.push(escapeMarkdown(power[0]!), ...power.slice(1).map((r) => `- ${escapeMarkdown(r.trim())}`), '');
  out.push('| | endpoint | p50 | p95 | p99 | RPS | errors |', '|---|---|---|---|---|---|---|');
  for (const row of rows(result)) {
    const cell = (metric: string) => {
      const m = row.metrics.find((x) => x.metric === metric);
      if (!m) return '';
      const mark = m.decides && m.verdict !== 'unchanged' ? ` ${ICON[m.verdict]}` : '';
      return `${value(m, m.base)} → ${value(m, m.new)} (${m.metric === 'error_rate' ? changeText(m).split(' [')[0] : signedPct(m.delta_pct)})${mark}`;
    };
    out.push(`| ${ICON[row.verdict] ?? ''} | ${escapeMarkdown(row.name)} | ${cell('p50_ms')} | ${cell('p95_ms')} | ${cell('p99_ms')} | ${cell('rps')} | ${cell('error_rate')} |`);
  }
  const text = formatCompareText(result).trimEnd();
  // A fence longer than any run of backticks in the text, so a name cannot close it.
  const fence = '`'.repeat(Math.max(3, ...(text.match(/`+/g) ?? []).map((r) => r.length + 1)));
  out.push('', '<details><summary>Intervals and notes</summary>', '', fence, text, fence, '</details>', '');
  return out.join('\n');
}

/** The result as JSON (stable key order, fractions not percentages). */
export function formatCompareJson(result: CompareResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

/** Format in one of the three output formats. */
export function formatCompare(result: CompareResult, format: CompareFormat): string {
  return format === 'json' ? formatCompareJson(result) : format === 'markdown' ? formatCompareMarkdown(result) : formatCompareText(result);
}
