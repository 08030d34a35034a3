/**
 * `--junit FILE`: the run's gates as JUnit XML, so CI systems show them: one test case per threshold (named
 * `metric condition`, failed with the observed value) and one per check (failed with its failure count when checks
 * gate the run, i.e. when no threshold is set on `checks`). Built from the JSON report: no statistics of its own.
 */
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonReport, ReportCheck, ReportThreshold } from './report-types.ts';

/** Options of buildJunitXml. */
export interface JunitOptions {
  /** True when a threshold on `checks` decides (check test cases then pass and carry their counts). Default false. */
  checksByThreshold?: boolean;
  /** Name of the outer suite (default "stampede"). */
  name?: string;
}

function esc(text: string): string {
  // XML 1.0 has no place for most control characters: drop them rather than write an unreadable file.
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
  return clean.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

interface Case {
  name: string;
  failure?: string;
  out?: string;
}

function thresholdCase(t: ReportThreshold): Case {
  const observed = t.value === null ? 'nothing to measure (no samples)' : `observed ${t.value}`;
  return { name: `${t.metric} ${t.condition}`, failure: t.passed ? undefined : `${t.metric} ${t.condition} failed: ${observed}`, out: observed };
}

function checkCase(c: ReportCheck, byThreshold: boolean): Case {
  const counts = `${c.passes} passed, ${c.fails} failed`;
  return { name: c.name, failure: !byThreshold && c.fails > 0 ? `check "${c.name}" failed ${c.fails} of ${c.passes + c.fails} times` : undefined, out: counts };
}

function suite(name: string, cases: Case[], timeS: number): string[] {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const lines = [`  <testsuite name="${esc(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${timeS}">`];
  for (const c of cases) {
    lines.push(`    <testcase classname="stampede.${esc(name)}" name="${esc(c.name)}" time="0">`);
    if (c.failure !== undefined) lines.push(`      <failure message="${esc(c.failure)}" type="${name === 'thresholds' ? 'threshold' : 'check'}">${esc(c.failure)}</failure>`);
    if (c.out !== undefined) lines.push(`      <system-out>${esc(c.out)}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>');
  return lines;
}

/** The JUnit XML document of a report. */
export function buildJunitXml(report: JsonReport, options: JunitOptions = {}): string {
  const thresholds = report.thresholds.map(thresholdCase);
  const checks = report.checks.map((c) => checkCase(c, options.checksByThreshold ?? false));
  const all = [...thresholds, ...checks];
  const failures = all.filter((c) => c.failure !== undefined).length;
  const timeS = Math.round(report.duration_s * 1000) / 1000;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${esc(options.name ?? 'stampede')}" tests="${all.length}" failures="${failures}" errors="0" time="${timeS}">`,
    ...suite('thresholds', thresholds, timeS),
    ...suite('checks', checks, timeS),
    '</testsuites>',
    '',
  ].join('\n');
}

/** Writes the JUnit XML of a report to `file`, creating its directory. */
export async function writeJunitReport(report: JsonReport, file: string, options: JunitOptions = {}): Promise<void> {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, buildJunitXml(report, options), 'utf8');
}
