/**
 * `npm run bench` (issue 11; the benchmark of issue 3): every figure beside its peer measured in the same run,
 * the ratio and the goal; writes bench/results/latest.json. Not a test. Installs nothing: peers (wrk, nginx,
 * Locust, FastAPI/uvicorn) are used when found on the machine, else their figures say `skipped` (bench/README.md).
 *
 *   npm run bench                 medians of 3 runs of 10 s (~8 min)
 *   npm run bench -- --quick      1 run of 5 s each (~2 min)
 *   npm run bench -- --only 1,4   some goals only
 *   npm run bench -- --out FILE   write the results elsewhere
 *   npm run bench -- --print      print the table of bench/results/latest.json (for docs/performance.md), run nothing
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error -- plain ESM helper of the bin, no types
import { distCurrent } from '../packages/stampede/scripts/dist-state.mjs';
import { formatTable, skippedFigure, type Figure } from './lib/figures.ts';
import { goal3, goal4, goal5, goal6, goal7 } from './lib/goals-other.ts';
import { goal8 } from './lib/goals-protocols.ts';
import { goal1, goal2, type BenchSettings } from './lib/goals-throughput.ts';
import { canPin, run, type Target } from './lib/proc.ts';
import { GENERATOR_CPU, startNginx, startNodeHello } from './lib/targets.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.indexOf('--only');
const only = onlyArg === -1 ? null : new Set(args[onlyArg + 1]!.split(',').map(Number));
const outArg = args.indexOf('--out');
const out = outArg === -1 ? join(root, 'bench/results/latest.json') : args[outArg + 1]!;
const wants = (goal: number) => only === null || only.has(goal);

const settings: BenchSettings = {
  runs: quick ? 1 : 3,
  seconds: quick ? 5 : 10,
  connections: 50,
  log: (line) => process.stdout.write(`${line}\n`),
};

/** The load on the machine before and after (it is shared: say how noisy the run was). */
function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

async function versionOf(cmd: string, argv: string[]): Promise<string> {
  const r = await run(cmd, argv, { timeoutMs: 10_000 }).catch(() => undefined);
  return (r?.stdout || r?.stderr || '').trim().split('\n')[0] ?? '';
}

/** The bin rebuilds dist/ first whenever it does not match src/: measure the build only, not a build. */
function builtIsCurrent(): boolean {
  return distCurrent() as boolean;
}

async function main(): Promise<void> {
  if (!builtIsCurrent()) {
    throw new Error('packages/stampede/dist does not match src (edited since the last build): run `npm run prepare` first');
  }
  const tmp = mkdtempSync(join(os.tmpdir(), 'stampede-bench-'));
  const ctx = { root, tmp, cpu: canPin ? GENERATOR_CPU : undefined };
  const figures: Figure[] = [];
  const loadBefore = loadAverage();
  const startedAt = new Date();
  settings.log(`stampede bench: ${settings.runs} run(s) of ${settings.seconds} s; pinning ${canPin ? 'generator → core 0, target → core 1' : 'unavailable'}; load average ${loadBefore.join(' ')}`);
  const targets: Target[] = [];
  try {
    if (wants(1) || wants(2) || wants(3)) {
      const nginx = await startNginx(tmp).catch((e: Error) => (settings.log(`nginx failed to start: ${e.message}`), undefined));
      const target = nginx ?? (await startNodeHello(root));
      targets.push(target);
      settings.log(`throughput target: ${target.name} at ${target.url}`);
      let autocannonRuns: number[] = [];
      if (wants(1) || wants(2)) {
        const g1 = await goal1(ctx, target.url, target.name, settings);
        autocannonRuns = g1.autocannonRuns;
        if (wants(1)) figures.push(...g1.figures);
      }
      if (wants(2)) figures.push(...(await goal2(ctx, target.url, settings, autocannonRuns)));
      if (wants(3)) figures.push(...(await goal3(ctx, target.url, settings)));
      await target.stop();
      targets.pop();
    }
    if (wants(4)) {
      const hello = await startNodeHello(root);
      targets.push(hello);
      figures.push(...(await goal4(ctx, hello.url, settings)));
      await hello.stop();
      targets.pop();
    }
    if (wants(5)) figures.push(...(await goal5(ctx, settings)));
    if (wants(6)) figures.push(...(await goal6(ctx, settings)));
    if (wants(7)) figures.push(...(await goal7(ctx, settings)));
    if (wants(8)) figures.push(...(await goal8(ctx, settings)));
  } catch (error) {
    figures.push(skippedFigure('bench aborted', '-', '-', (error as Error).message));
  } finally {
    for (const t of targets) await t.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  const loadAfter = loadAverage();
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    pinned: canPin,
    load_average_before: loadBefore,
    load_average_after: loadAfter,
    wrk: await versionOf('wrk', ['-v']),
    nginx: await versionOf('nginx', ['-v']),
  };
  const result = {
    machine,
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    started_at: startedAt.toISOString(),
    duration_s: Math.round((Date.now() - startedAt.getTime()) / 1000),
    runs: settings.runs,
    seconds_per_run: settings.seconds,
    figures,
  };
  if (!builtIsCurrent()) {
    throw new Error('src/ changed during the bench, so later figures ran a rebuilt dist/: nothing written; run `npm run prepare` and bench again');
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  settings.log('');
  settings.log(formatTable(figures));
  settings.log(`\nload average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}; written to ${out}`);
}

if (args.includes('--print')) {
  const saved = JSON.parse(readFileSync(out, 'utf8'));
  settings.log(formatTable(saved.figures));
} else {
  await main();
}
