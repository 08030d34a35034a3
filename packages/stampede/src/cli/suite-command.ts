/**
 * `stampede suite NAME [--target URL] [--quick] [--profile baseline|load|stress|endurance] [--duration 10m]`:
 * runs a performance suite from `suites/NAME/suite.ts` (under the current directory, else this checkout's suites/;
 * or a path to a suite module), bundled with esbuild and loaded at run time like a user script (the framework does
 * not depend on the suites), and writes `performance_reports/<YYYYmmdd-HHMMSS>/`. Without `--target` the suite starts its own
 * embedded target and stops it at the end. Exit 0 all passed (or inconclusive/skipped), 1 a test failed,
 * 2 usage, 3 target unreachable or not startable, 4 interrupted (the report is written, the rest skipped).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from './commander.ts';
import type { Logger, LogLevel } from '../logger.ts';
import type { PrometheusError } from '../prometheus/errors.ts';
import { pushSuiteRun } from '../prometheus/suite-push.ts';
import { runSuite } from '../suite/run-suite.ts';
import { importModule } from '../user/load-script.ts';
import { SuiteError } from '../suite/errors.ts';
import type { SuiteDefinition, SuiteProfile } from '../suite/types.ts';
import { parseDurationS } from '../workload/duration.ts';
import { UsageError } from './errors.ts';
import { checkUrl } from './options.ts';
import { EXIT } from './exit-codes.ts';
import type { RunIo } from './run-io.ts';
import { VERSION } from './version.ts';

const PROFILES = ['baseline', 'load', 'stress', 'endurance'] as const;
const SUITES_DIR = new URL('../../../../suites/', import.meta.url);

/** What a suite module (`suites/NAME/suite.ts`) exports for this command. */
export interface SuiteModule {
  prepare(o: {
    target?: string;
    quick: boolean;
    profile: SuiteProfile;
    durationS?: number;
    admin?: { username: string; password: string };
    /** `--option KEY=VALUE` pairs, for the suite to read (and refuse unknown keys with a SuiteError of code OPTION). */
    options: Record<string, string>;
    env: Record<string, string | undefined>;
    logger: Logger;
  }): Promise<{ suite: SuiteDefinition; target: string; targetPid?: number; description: string; userEnv?: Record<string, string>; close(): Promise<void> }>;
}

/** Parsed `suite` options. */
export interface SuiteCommandOptions {
  name: string;
  target?: string;
  quick: boolean;
  profile: SuiteProfile;
  durationS?: number;
  reportDir: string;
  only?: string[];
  /** Suite-specific `--option KEY=VALUE` pairs. */
  options: Record<string, string>;
  /** Pushgateway base URL: each test's figures and the run's are pushed at the end. */
  pushgateway?: string;
}

/** The suite module a name or path stands for: a file path as given, else suites/NAME/suite.ts. */
function suiteFile(name: string, cwd: string): string | undefined {
  if (/[\\/]|\.[cm]?[jt]s$/.test(name)) return existsSync(path.resolve(cwd, name)) ? path.resolve(cwd, name) : undefined;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) return undefined;
  const candidates = [path.join(cwd, 'suites', name, 'suite.ts'), fileURLToPath(new URL(`${name}/suite.ts`, SUITES_DIR))];
  return candidates.find((file) => existsSync(file));
}

/** Bundles and imports a suite module (see suiteFile); a usage error when there is no such suite. */
export async function loadSuiteModule(name: string, cwd = process.cwd()): Promise<SuiteModule> {
  const file = suiteFile(name, cwd);
  if (!file) {
    throw new UsageError('STAMPEDE_ERR_CONFIG_SUITE', `unknown suite '${name}'`, 'name a directory of suites/ with a suite.ts (e.g. vertex-ar), or give the path of a suite module');
  }
  const { module } = await importModule(file, { cwd });
  if (typeof module.prepare !== 'function') throw new UsageError('STAMPEDE_ERR_CONFIG_SUITE', `${path.relative(cwd, file)} exports no prepare()`);
  return module as unknown as SuiteModule;
}

/** Runs the suite; resolves the exit code. */
export async function runSuiteCommand(o: SuiteCommandOptions, io: RunIo, env: NodeJS.ProcessEnv): Promise<number> {
  const mod = await loadSuiteModule(o.name);
  const admin = env.ADMIN_USERNAME && env.ADMIN_PASSWORD ? { username: env.ADMIN_USERNAME, password: env.ADMIN_PASSWORD } : undefined;
  let prepared;
  try {
    prepared = await mod.prepare({ target: o.target, quick: o.quick, profile: o.profile, durationS: o.durationS, admin, options: o.options, env: { ...env }, logger: io.logger });
  } catch (error) {
    if (error instanceof SuiteError && error.code === 'STAMPEDE_ERR_SUITE_OPTION') {
      process.stderr.write(`stampede: suite ${o.name}: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`stampede: suite ${o.name}: ${(error as Error).message}\n`);
    return EXIT.aborted;
  }
  // User classes run on worker threads, which copy process.env when they start (the embedded admin's credentials).
  Object.assign(env, prepared.userEnv);
  const stop = new AbortController();
  io.onSignal(() => stop.abort());
  try {
    io.out(`suite ${o.name}: ${prepared.description}`);
    const result = await runSuite(prepared.suite, {
      target: prepared.target, targetPid: prepared.targetPid, reportRoot: o.reportDir, quick: o.quick, profile: o.profile,
      only: o.only, logger: io.logger, out: io.out, signal: stop.signal, version: VERSION,
    });
    if (o.pushgateway) {
      // A Pushgateway that is down loses the trend point, not the run: a warning, as for script runs.
      await pushSuiteRun(o.pushgateway, result.summary, result.dir).catch((e: PrometheusError) => io.logger.log('warning', `${e.message}${e.hint ? ` (${e.hint})` : ''}`));
    }
    return stop.signal.aborted ? EXIT.interrupted : result.exitCode;
  } catch (error) {
    if (error instanceof SuiteError) {
      process.stderr.write(`stampede: ${error.message}\n`);
      return error.code === 'STAMPEDE_ERR_SUITE_TARGET' ? EXIT.aborted : EXIT.usage;
    }
    throw error;
  } finally {
    await prepared.close();
  }
}

function toOptions(name: string, raw: Record<string, any>): SuiteCommandOptions {
  const profile = raw.profile ?? 'baseline';
  if (!PROFILES.includes(profile)) throw new UsageError('STAMPEDE_ERR_CONFIG_PROFILE', `invalid --profile '${profile}'`, `use one of ${PROFILES.join(', ')}`);
  const durationS = raw.duration === undefined ? undefined : parseDurationS(raw.duration, '--duration');
  if (durationS !== undefined && durationS <= 0) throw new UsageError('STAMPEDE_ERR_CONFIG_DURATION', `--duration must be positive, got '${raw.duration}'`);
  const target = raw.target === undefined ? undefined : checkUrl(raw.target, '--target').href.replace(/\/+$/, '');
  const only = typeof raw.only === 'string' ? raw.only.split(',').map((s: string) => s.trim()).filter(Boolean) : undefined;
  const options: Record<string, string> = {};
  for (const pair of (raw.option ?? []) as string[]) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError('STAMPEDE_ERR_CONFIG_SUITE', `--option must be KEY=VALUE, got '${pair}'`);
    options[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const pushgateway = raw.pushgateway === undefined ? undefined : checkUrl(raw.pushgateway, '--pushgateway').href;
  return { name, target, quick: Boolean(raw.quick), profile, durationS, reportDir: raw.reportDir ?? 'performance_reports', only, options, pushgateway };
}

/** Adds `suite` to the program. */
export function addSuiteCommand(program: Command, deps: { signalHook: () => RunIo['onSignal']; consoleLogger: (l: LogLevel) => Logger }): void {
  program.enablePositionalOptions();
  program
    .command('suite <name>')
    .description('run a performance suite (e.g. vertex-ar) and write performance_reports/<YYYYmmdd-HHMMSS>/')
    .addOption(new Option('--target <url>', 'an existing deployment (default: start the embedded target)').env('STAMPEDE_SUITE_TARGET'))
    .addOption(new Option('--quick', 'about a minute in all; verdicts that need longer say inconclusive').env('STAMPEDE_SUITE_QUICK'))
    .addOption(new Option('--profile <name>', `how hard: ${PROFILES.join(', ')} (default baseline)`).env('STAMPEDE_SUITE_PROFILE'))
    .addOption(new Option('--duration <duration>', 'length of the sustained (leak) load: 10m, 1h (endurance default 10m)').env('STAMPEDE_SUITE_DURATION'))
    .addOption(new Option('--report-dir <dir>', 'parent of the timestamped report directory (default performance_reports)').env('STAMPEDE_REPORT_DIR'))
    .addOption(new Option('--only <tests>', 'run only these tests (comma-separated names); the rest are reported skipped').env('STAMPEDE_SUITE_ONLY'))
    .addOption(new Option('--option <key=value>', "a setting of the suite itself, repeatable (the suite's docs list its keys)").argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]))
    .addOption(new Option('--pushgateway <url>', "push each test's figures and the run's to this Pushgateway at the end").env('STAMPEDE_PUSHGATEWAY'))
    .addOption(new Option('--loglevel <level>', 'progress lines printed: debug, info, warning, error (default info)').env('STAMPEDE_LOGLEVEL'))
    .action(async (name: string, raw: Record<string, any>) => {
      const options = toOptions(name, raw);
      const level = (raw.loglevel ?? 'info') as LogLevel;
      const io: RunIo = { logger: deps.consoleLogger(level), out: (line) => process.stdout.write(`${line}\n`), onSignal: deps.signalHook() };
      process.exitCode = await runSuiteCommand(options, io, process.env);
    });
}
