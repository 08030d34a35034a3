/**
 * The pieces of a scripted run shared by the headless command and the web UI: load the script once, check the
 * targets, then create a runner (threads + one Aggregate) per test, and build and write the reports at the end.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../clock.ts';
import { CsvHistoryStream, writeCsvReports } from '../report/csv.ts';
import { writeHtmlReport } from '../report/html-report.ts';
import { buildJsonReport, writeJsonReport } from '../report/json-report.ts';
import { writeJunitReport } from '../report/junit.ts';
import type { JsonReport, ReportThreshold } from '../report/report-types.ts';
import { LocalRunner, type RunnerState } from '../runner/local-runner.ts';
import { captureConsole } from '../runner/console-capture.ts';
import { WorkerUserThread, type UserThread } from '../runner/user-thread.ts';
import { Aggregate } from '../stats/aggregate.ts';
import { describeException } from '../stats/tallies.ts';
import { errorMessage } from '../user/errors.ts';
import { distributeUsers } from '../user/distribute.ts';
import { scriptLifecycle, type ScriptLifecycle } from '../user/lifecycle.ts';
import { createTagFilter } from '../user/task-plan.ts';
import { isHttpUserClass, resolveHost, type UserClass } from '../user/user.ts';
import type { StampedeOptions } from '../config.ts';
import { UsageError } from './errors.ts';
import { checkUrl, type RunOptions } from './options.ts';
import { checkReachable } from './preflight.ts';
import { guardedInProcessThread } from '../runner/in-process-guard.ts';
import { ProcessCpuSampler } from '../monitor/process-cpu.ts';
import type { RunIo } from './run-io.ts';
import { loadUserFiles } from './user-files.ts';
import { VERSION } from './version.ts';

/** A loaded script whose bundle worker threads import; dispose() deletes the bundle. */
export interface PreparedScript {
  classes: UserClass[];
  /** The script's exported `options` (scenarios, thresholds), when it has any. */
  options?: StampedeOptions;
  bundlePath: string;
  /** Every distinct target host of the selected classes. */
  hosts: string[];
  /** The script's `setup` and `teardown` exports. */
  lifecycle: ScriptLifecycle;
  /** What setup() returned, as JSON, once it has run (headless runs: withPlannedRun). */
  setupData?: string;
  dispose(): void;
}

/** Loads the script (exit-2 errors on a bad script, bad class pick or missing host). */
export async function prepareScript(opts: RunOptions, io: RunIo): Promise<PreparedScript> {
  const tagFilter = createTagFilter(opts.tags, opts.excludeTags);
  // What the script prints when imported here (to find its classes) is a log line like its users' (console-capture.ts).
  const restoreConsole = captureConsole(console, (level, message) => io.logger.log(level, message, 'console'));
  let script: Awaited<ReturnType<typeof loadUserFiles>>;
  try {
    script = await loadUserFiles(opts.file, { keepBundle: true, picks: opts.userClasses, tagFilter, logger: io.logger });
  } finally {
    restoreConsole();
  }
  try {
    const hosts = new Set<string>();
    for (const cls of script.classes) {
      const host = resolveHost(cls, opts.host);
      if (isHttpUserClass(cls) && !host) {
        throw new UsageError('STAMPEDE_ERR_CONFIG_HOST', `no host for ${cls.name}`, 'pass --host http://... or set static host in the class');
      }
      if (host) hosts.add(checkUrl(host, 'host').href);
    }
    const options = scriptOptions(script.module.options, opts.file);
    const lifecycle = scriptLifecycle(script.module);
    // dispose() is synchronous: it also runs when the process exits early (a signal before the run, an error).
    process.once('exit', script.dispose);
    return { classes: script.classes, options, bundlePath: script.bundlePath, hosts: [...hosts], lifecycle, dispose: script.dispose };
  } catch (error) {
    script.dispose();
    throw error;
  }
}

/** Loads the script, runs `body` with it, and deletes its bundle after, whatever happens. */
export async function withScript<T>(opts: RunOptions, io: RunIo, body: (script: PreparedScript) => Promise<T>): Promise<T> {
  const script = await prepareScript(opts, io);
  try {
    return await body(script);
  } finally {
    script.dispose();
  }
}

function scriptOptions(value: unknown, file: string): StampedeOptions | undefined {
  if (value === undefined) return undefined;
  if (!value || typeof value !== 'object') throw new UsageError('STAMPEDE_ERR_CONFIG_OPTIONS', `${file}: the exported options must be an object`);
  const unknown = Object.keys(value).filter((k) => k !== 'scenarios' && k !== 'thresholds');
  if (unknown.length > 0) {
    throw new UsageError('STAMPEDE_ERR_CONFIG_OPTIONS', `${file}: options.${unknown[0]} is not a script option`, 'scripts export { scenarios, thresholds }; put other settings in the config file or on the command line');
  }
  return value as StampedeOptions;
}

/** The first unreachable target as a one-line reason, or undefined when all answer. */
export async function unreachableTarget(hosts: readonly string[]): Promise<string | undefined> {
  for (const host of hosts) {
    const reason = await checkReachable(new URL(host));
    if (reason) return `target unreachable: ${reason} (is ${host} up?)`;
  }
  return undefined;
}

/** One test: its runner (threads started, script loaded in each) and the Aggregate all readers share. */
export interface PreparedRun {
  runner: LocalRunner;
  aggregate: Aggregate;
  cpu: ProcessCpuSampler;
  threadCount: number;
  classes: UserClass[];
  /** The users run on the main thread (one user thread): the process can use one core, not threadCount + 1. */
  inProcess?: boolean;
}

/**
 * The one Aggregate of a test; with `--csv PREFIX --csv-full-history` it streams the history file as it ticks.
 * @param startedAtWallMs the run's start (epoch ms), read at the first tick
 */
export function runAggregate(opts: RunOptions, io: RunIo, startedAtWallMs: () => number): Aggregate {
  const history = opts.csv && opts.csvFullHistory ? new CsvHistoryStream(opts.csv, startedAtWallMs) : undefined;
  return new Aggregate({ maxNames: opts.maxNames, onWarning: (m) => io.logger.log('warning', m), onNameHistory: history?.write });
}

/** Starts the user threads for a test of up to `users` users over `classes` and waits until they have loaded the script. */
export async function createRun(opts: RunOptions, io: RunIo, script: PreparedScript, users: number, classes = script.classes): Promise<PreparedRun> {
  const aggregate = runAggregate(opts, io, () => runner.startedAtWallMs);
  const threadCount = Math.max(1, Math.min(opts.threads, users || 1));
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const threads: UserThread[] = [];
  for (let i = 0; i < threadCount; i++) {
    const init = { threadId: i, bundlePath: script.bundlePath, host: opts.host, tags: opts.tags, excludeTags: opts.excludeTags, logLevel: opts.logLevel, maxNames: opts.maxNames, seed, insecure: opts.insecure, setupData: script.setupData };
    // One thread: its users run on this thread's event loop — no second isolate (~50 MiB; issue #11, goal 3).
    threads.push(threadCount === 1 ? guardedInProcessThread(init, script.classes) : new WorkerUserThread(init));
  }
  const order = distributeUsers(classes, Math.max(1, users)).order;
  const runner = new LocalRunner({ threads, aggregate, clock: systemClock, logger: io.logger, classForUser: (i) => order[i % order.length]!.name });
  runner.on('log', (m) => io.logger.log(m.level, m.message, m.source));
  try {
    await runner.waitReady();
  } catch (error) {
    await runner.close();
    throw error;
  }
  return { runner, aggregate, cpu: new ProcessCpuSampler(), threadCount, classes, inProcess: threadCount === 1 };
}

/**
 * What teardown() threw, if it did: logged, and counted as an exception of the run (in its report; exit 1 as one
 * from a task would be), headless or from the web UI.
 */
export function recordTeardownFailure(io: RunIo, aggregate: Aggregate, error: unknown): void {
  if (error === undefined) return;
  io.logger.log('error', `teardown() failed: ${errorMessage(error)}`);
  aggregate.merge({ endpoints: [], errors: [], exceptions: [{ ...describeException(error), count: 1 }], checks: [] });
}

/** --reset-stats: as Locust, forget the statistics each time a ramp-up completes (spawning → running). */
export function resetStatsAfterRamps(run: Pick<PreparedRun, 'runner' | 'aggregate'>, io: RunIo): void {
  let previous = run.runner.state;
  run.runner.on('state', (state: RunnerState) => {
    if (previous === 'spawning' && state === 'running') {
      run.aggregate.reset();
      io.logger.log('info', 'ramp-up complete: statistics reset (--reset-stats)');
    }
    previous = state;
  });
}

/** How a test ended, for its report. */
export interface RunEnd {
  endedAt: number;
  durationS: number;
  partial: boolean;
  /** Peak users (arrival-rate scenarios: their maxUsers). */
  users: number;
  /** Users per second; null for arrival-rate or staged runs. */
  spawnRate: number | null;
  /** Default 'closed'. */
  model?: 'closed' | 'open';
  thresholds?: ReportThreshold[];
}

/** The contract JSON report of a finished (or interrupted) test. */
export function buildRunReport(opts: RunOptions, run: PreparedRun, end: RunEnd): JsonReport {
  const { runner } = run;
  const { counters } = runner;
  return buildJsonReport({
    aggregate: run.aggregate,
    version: VERSION,
    startedAt: runner.startedAtWallMs,
    endedAt: end.endedAt,
    durationS: end.durationS,
    // A thread ended at the stop took its last figures with it: the report does not cover the whole run.
    partial: end.partial || runner.lostThreads > 0,
    config: {
      host: opts.host ?? null,
      users: end.users,
      spawn_rate: end.spawnRate,
      run_time_s: opts.runTimeS ?? null,
      user_classes: run.classes.map((c) => c.name),
      model: end.model ?? 'closed',
    },
    thresholds: end.thresholds,
    // Skipped pacing slots and arrival-rate iterations that never started are both iterations that did not happen.
    iterations: { started: counters.iterations, late: counters.late, dropped: counters.dropped + counters.missed },
    generator: generatorFigures(run.cpu.maxPct, runner.counters.loopLagP99Ms, run.inProcess ? 0 : run.threadCount),
    scenarios: [...runner.scenarioAggregates].map(([name, aggregate]) => {
      const c = runner.scenarioCounters.get(name);
      return { name, aggregate, iterations: { started: c?.iterations ?? 0, late: c?.late ?? 0, dropped: (c?.dropped ?? 0) + (c?.missed ?? 0) } };
    }),
  });
}

/** Writes the report files the options ask for (--json, --csv, --html, --junit), creating their directories. */
export async function writeRunReports(opts: RunOptions, run: PreparedRun, report: JsonReport, durationS: number): Promise<void> {
  if (opts.json) {
    if (opts.json !== '-') mkdirSync(path.dirname(path.resolve(opts.json)), { recursive: true });
    await writeJsonReport(report, opts.json);
  }
  if (opts.csv) {
    mkdirSync(path.dirname(path.resolve(opts.csv)), { recursive: true });
    await writeCsvReports(opts.csv, { aggregate: run.aggregate, durationS, startedAtMs: run.runner.startedAtWallMs, historyStreamed: opts.csvFullHistory });
  }
  if (opts.html) {
    mkdirSync(path.dirname(path.resolve(opts.html)), { recursive: true });
    await writeHtmlReport(report, opts.html);
  }
  if (opts.junit) await writeJunitReport(report, opts.junit, { checksByThreshold: hasChecksThreshold(opts.thresholds) });
}

function hasChecksThreshold(thresholds: RunOptions['thresholds']): boolean {
  return Object.keys(thresholds ?? {}).some((k) => k === 'checks' || k.startsWith('checks{'));
}

/** Saturation: a thread's event loop late by 50 ms at p99, or the process near all the cores it may use. */
export function generatorFigures(cpuMaxPct: number, loopLagP99Ms: number, threads: number) {
  const usableCores = Math.min(threads + 1, os.availableParallelism());
  return {
    saturated: loopLagP99Ms > 50 || cpuMaxPct > 90 * usableCores,
    cpu_max_pct: Math.round(cpuMaxPct * 10) / 10,
    loop_lag_p99_ms: Math.round(loopLagP99Ms * 100) / 100,
  };
}
