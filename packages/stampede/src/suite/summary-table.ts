/** The pass/fail table printed at the end of a suite run, and the recommendations printed after it. */
import { headlineText } from '../report/headline-format.ts';
import type { SuiteSummary } from './types.ts';

const MARK = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP', inconclusive: '????' } as const;

const clip = (line: string, width: number) => (line.length > width ? `${line.slice(0, width - 1)}…` : line);

/**
 * Lines of the table: status, test, category, duration and the headline figures; under a test that did not pass,
 * why (each clipped to `width`).
 */
export function summaryTable(summary: SuiteSummary, width = 132): string[] {
  const nameW = Math.max(4, ...summary.tests.map((t) => t.name.length));
  const catW = Math.max(8, ...summary.tests.map((t) => t.category.length));
  const head = `${'status'.padEnd(6)}  ${'test'.padEnd(nameW)}  ${'category'.padEnd(catW)}  ${'time'.padStart(7)}  figures`;
  const lines = [head, '-'.repeat(Math.min(width, head.length + 40))];
  const indent = ' '.repeat(8 + nameW + 2);
  for (const t of summary.tests) {
    lines.push(clip(`${MARK[t.status].padEnd(6)}  ${t.name.padEnd(nameW)}  ${t.category.padEnd(catW)}  ${`${t.duration_s.toFixed(1)}s`.padStart(7)}  ${headlineText(t.headline)}`.trimEnd(), width));
    if (t.status !== 'passed' && t.reason) lines.push(clip(`${indent}why: ${t.reason}`, width));
  }
  const count = (s: keyof typeof MARK) => summary.tests.filter((t) => t.status === s).length;
  const state = summary.interrupted ? ' — interrupted: partial results' : '';
  lines.push('', `${count('passed')} passed, ${count('failed')} failed, ${count('inconclusive')} inconclusive, ${count('skipped')} skipped; ${summary.recommendations.length} recommendation(s)${state}`);
  return lines;
}

/** The recommendations, numbered, each in full (a terminal wraps long lines; nothing is clipped). */
export function recommendationLines(summary: SuiteSummary): string[] {
  if (summary.recommendations.length === 0) return ['', 'Recommendations: none — nothing in the results called for a change.'];
  return ['', 'Recommendations:', ...summary.recommendations.map((r, i) => `${String(i + 1).padStart(2)}. ${r.text}`)];
}
