/**
 * `stampede compare BASE.json NEW.json [--tolerance 5%] [--format text|markdown|json]`: compares two saved runs
 * (src/report/compare.ts) and exits 1 on a significant regression beyond the tolerance, 6 when the runs are too short
 * to detect a change of the effect size (inconclusive), 0 otherwise, 2 on bad input.
 */
import { writeFile } from 'node:fs/promises';
import { Option, type Command } from './commander.ts';
import { COMPARE_DEFAULTS, compareReports, type RunNoise } from '../report/compare.ts';
import { formatCompare, type CompareFormat } from '../report/compare-format.ts';
import { readJsonReport } from '../report/json-report.ts';
import { UsageError } from './errors.ts';
import { EXIT } from './exit-codes.ts';

/** "5%", "5" (percent) or "0.05"? Percent always: "5" and "5%" both mean 5 %. Returns a fraction. */
export function parsePercent(value: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(value);
  if (!m) throw new UsageError('STAMPEDE_ERR_CONFIG_PERCENT', `invalid ${flag} '${value}'`, `write a percentage, e.g. ${flag} 5%`);
  return Number(m[1]) / 100;
}

/** "p50=3%,p99=20%" → the given keys of RunNoise. */
export function parseRunNoise(value: string): Partial<RunNoise> {
  const out: Partial<RunNoise> = {};
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = part.split('=');
    if (!['p50', 'p95', 'p99', 'rps'].includes(k) || v === undefined) {
      throw new UsageError('STAMPEDE_ERR_CONFIG_RUN_NOISE', `invalid --run-noise entry '${part}'`, 'write e.g. --run-noise p50=3%,p95=8%,p99=15%,rps=3%');
    }
    out[k as keyof RunNoise] = parsePercent(v, `--run-noise ${k}`);
  }
  return out;
}

function parseSeconds(value: string): number {
  const n = Number(value.replace(/s$/, ''));
  if (!Number.isFinite(n) || n < 0) throw new UsageError('STAMPEDE_ERR_CONFIG_WARMUP', `invalid --warmup '${value}'`, 'write seconds, e.g. --warmup 10s');
  return n;
}

/** Registers `compare` on the program. */
export function addCompareCommand(program: Command): void {
  const pct = (x: number) => `${+(100 * x).toFixed(2)}%`;
  program
    .command('compare <base> <new>')
    .description('compare two --json results: per endpoint and overall p50/p95/p99, RPS and error rate; exit 1 on a significant regression, 6 when the runs are too short to tell')
    .addOption(new Option('--tolerance <pct>', `relative change latency and RPS may make before it can count as a regression (default ${pct(COMPARE_DEFAULTS.tolerance)})`).env('STAMPEDE_COMPARE_TOLERANCE'))
    .addOption(new Option('--error-tolerance <pct>', `error-rate increase, in percentage points, before it can count (default ${pct(COMPARE_DEFAULTS.errorTolerance)})`).env('STAMPEDE_COMPARE_ERROR_TOLERANCE'))
    .addOption(new Option('--effect-size <pct>', `change in p50 and p95 the runs must be able to detect, else inconclusive (exit 6) (default ${pct(COMPARE_DEFAULTS.effectSize)})`).env('STAMPEDE_COMPARE_EFFECT_SIZE'))
    .addOption(new Option('--format <format>', 'text, markdown or json (default text)').choices(['text', 'markdown', 'json']).env('STAMPEDE_COMPARE_FORMAT'))
    .addOption(new Option('--warmup <seconds>', 'seconds excluded at the start of each run (default 10% of the run, 2–60 s)').env('STAMPEDE_COMPARE_WARMUP'))
    .addOption(new Option('--alpha <level>', `significance level of the intervals (default ${COMPARE_DEFAULTS.alpha})`).env('STAMPEDE_COMPARE_ALPHA'))
    .addOption(new Option('--run-noise <list>', 'run-to-run noise per metric, e.g. p50=3%,p95=8%,p99=15%,rps=3% (the defaults)').env('STAMPEDE_COMPARE_RUN_NOISE'))
    .addOption(new Option('--seed <n>', `seed of the resampling (default ${COMPARE_DEFAULTS.seed})`).env('STAMPEDE_COMPARE_SEED'))
    .addOption(new Option('-o, --output <file>', 'also write the output to FILE (e.g. a PR comment body)').env('STAMPEDE_COMPARE_OUTPUT'))
    .action(async (baseFile: string, newFile: string, raw: Record<string, string | undefined>) => {
      const alpha = raw.alpha === undefined ? undefined : Number(raw.alpha);
      if (alpha !== undefined && !(alpha > 0 && alpha < 0.5)) throw new UsageError('STAMPEDE_ERR_CONFIG_ALPHA', `invalid --alpha '${raw.alpha}'`, 'use a level between 0 and 0.5, e.g. 0.05');
      const seed = raw.seed === undefined ? undefined : Number(raw.seed);
      if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError('STAMPEDE_ERR_CONFIG_SEED', `invalid --seed '${raw.seed}'`, 'use an integer');
      const tolerance = raw.tolerance === undefined ? undefined : parsePercent(raw.tolerance, '--tolerance');
      const effectSize = raw.effectSize === undefined ? undefined : parsePercent(raw.effectSize, '--effect-size');
      if (effectSize !== undefined && !(effectSize > (tolerance ?? COMPARE_DEFAULTS.tolerance))) {
        throw new UsageError('STAMPEDE_ERR_CONFIG_EFFECT_SIZE', `invalid --effect-size '${raw.effectSize}': it must exceed the tolerance`, `e.g. --effect-size 20% with --tolerance ${pct(tolerance ?? COMPARE_DEFAULTS.tolerance)}`);
      }
      const [base, next] = await Promise.all([readJsonReport(baseFile), readJsonReport(newFile)]);
      const result = compareReports(base, next, {
        tolerance,
        effectSize,
        errorTolerance: raw.errorTolerance === undefined ? undefined : parsePercent(raw.errorTolerance, '--error-tolerance'),
        warmupS: raw.warmup === undefined ? undefined : parseSeconds(raw.warmup),
        runNoise: raw.runNoise === undefined ? undefined : parseRunNoise(raw.runNoise),
        alpha,
        seed,
      });
      const text = formatCompare(result, (raw.format ?? 'text') as CompareFormat);
      process.stdout.write(text);
      if (raw.output) await writeFile(raw.output, text, 'utf8');
      process.exitCode = result.verdict === 'regressed' ? EXIT.failed : result.verdict === 'inconclusive' ? EXIT.inconclusive : EXIT.ok;
    });
}
