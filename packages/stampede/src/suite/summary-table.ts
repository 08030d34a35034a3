/** The pass/fail table printed at the end of a suite run. */
import type { SuiteSummary } from './types.ts';

const MARK = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP', inconclusive: '????' } as const;

/** Lines of the table: status, test, category, duration, then the reason (clipped to `width`). */
export function summaryTable(summary: SuiteSummary, width = 120): string[] {
  const nameW = Math.max(4, ...summary.tests.map((t) => t.name.length));
  const catW = Math.max(8, ...summary.tests.map((t) => t.category.length));
  const head = `${'status'.padEnd(6)}  ${'test'.padEnd(nameW)}  ${'category'.padEnd(catW)}  ${'time'.padStart(7)}  reason`;
  const lines = [head, '-'.repeat(Math.min(width, head.length + 20))];
  for (const t of summary.tests) {
    const line = `${MARK[t.status].padEnd(6)}  ${t.name.padEnd(nameW)}  ${t.category.padEnd(catW)}  ${`${t.duration_s.toFixed(1)}s`.padStart(7)}  ${t.reason ?? ''}`;
    lines.push(line.length > width ? `${line.slice(0, width - 1)}…` : line);
  }
  const count = (s: keyof typeof MARK) => summary.tests.filter((t) => t.status === s).length;
  lines.push('', `${count('passed')} passed, ${count('failed')} failed, ${count('inconclusive')} inconclusive, ${count('skipped')} skipped; ${summary.recommendations.length} recommendation(s)`);
  return lines;
}
