/**
 * `stampede report RESULTS.json --html FILE [--summary summary.json]`: rebuild the HTML report from saved results
 * (an interrupted run's partial results too). `stampede report --history DIR --html FILE`: an index of every run
 * under DIR (e.g. performance_reports/) with trend charts.
 */
import { readFile } from 'node:fs/promises';
import { Option, type Command } from './commander.ts';
import { writeHistoryIndex } from '../report/history.ts';
import { writeHtmlReport, type HtmlSuiteSummary } from '../report/html-report.ts';
import { readJsonReport } from '../report/json-report.ts';
import { UsageError } from './errors.ts';

async function readSummary(file: string): Promise<HtmlSuiteSummary> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as HtmlSuiteSummary;
  } catch (err) {
    throw new UsageError('STAMPEDE_ERR_REPORT_READ', `cannot read --summary ${file}: ${(err as Error).message}`, 'pass the summary.json of a suite run');
  }
}

/** Registers `report` on the program. */
export function addReportCommand(program: Command): void {
  program
    .command('report [results]')
    .description('rebuild the HTML report from a --json results file, or index a report directory with --history')
    .addOption(new Option('--html <file>', 'write the HTML report (or the history index) to FILE').env('STAMPEDE_REPORT_HTML'))
    .addOption(new Option('--summary <file>', "include a suite's summary.json (test verdicts, recommendations)").env('STAMPEDE_REPORT_SUMMARY'))
    .addOption(new Option('--history <dir>', 'index every run under DIR (suite report directories or results JSON) with trend charts').env('STAMPEDE_REPORT_HISTORY'))
    .addOption(new Option('--title <text>', 'page title').env('STAMPEDE_REPORT_TITLE'))
    .action(async (results: string | undefined, raw: { html?: string; summary?: string; history?: string; title?: string }) => {
      if (!raw.html) throw new UsageError('STAMPEDE_ERR_CONFIG_REPORT', 'stampede report needs --html FILE', 'e.g. stampede report results.json --html report.html');
      if (raw.history) {
        if (results) throw new UsageError('STAMPEDE_ERR_CONFIG_REPORT', 'pass either RESULTS.json or --history DIR, not both', 'drop one of them');
        const n = await writeHistoryIndex(raw.history, raw.html);
        process.stderr.write(`stampede: indexed ${n} runs into ${raw.html}\n`);
        return;
      }
      if (!results) throw new UsageError('STAMPEDE_ERR_CONFIG_REPORT', 'stampede report needs a results file', 'e.g. stampede report results.json --html report.html');
      const loaded = await readJsonReport(results);
      const suite = raw.summary ? await readSummary(raw.summary) : undefined;
      await writeHtmlReport(loaded.report, raw.html, { suite, title: raw.title });
      if (loaded.report.partial) process.stderr.write(`stampede: ${results} is a partial (interrupted) run; the report says so\n`);
    });
}
