/**
 * `stampede -f FILE --headless ...`: load the config and the script, plan the workload (scenarios, thresholds), run
 * the users on worker threads, print progress, evaluate thresholds live (abortOnFail) and at the end, write the
 * reports, and choose the exit code (docs/exit-codes.md).
 */
import { systemClock } from '../clock.ts';
import { runScenarios } from '../runner/scenario-run.ts';
import { evaluateThresholds, failedChecks, failingAbortThreshold } from '../thresholds/evaluate-thresholds.ts';
import { runnerMetricSource } from '../thresholds/metric-value.ts';
import type { ThresholdResult } from '../thresholds/threshold-types.ts';
import type { JsonReport } from '../report/report-types.ts';
import { resolveRunOptions } from './config-file.ts';
import { finalTables, liveLine } from './console-output.ts';
import { UsageError } from './errors.ts';
import { FailureWindow } from './failure-window.ts';
import type { RunOptions } from './options.ts';
import path from 'node:path';
import { PrometheusError } from '../prometheus/errors.ts';
import { pushSummary } from '../prometheus/pushgateway.ts';
import { startTestMetricsServer, type TestMetricsServer } from '../prometheus/metrics-server.ts';
import { runWithWebUi } from './web-command.ts';
import { buildRunReport, createRun, recordTeardownFailure, resetStatsAfterRamps, writeRunReports, type PreparedRun } from './prepared-run.ts';
import { withPlannedRun, type RunWorkload } from './workload-plan.ts';
import { EXIT } from './exit-codes.ts';
import type { RunIo } from './run-io.ts';
import { listUserClasses } from './list-classes.ts';
import { requestVerdict, tallyOf } from './run-verdict.ts';



/** Runs a scripted test headless. Resolves the process exit code. */
export async function runHeadless(cliOpts: RunOptions, io: RunIo): Promise<number> {
  const opts = await resolveRunOptions(cliOpts);
  if (opts.list) return listUserClasses(opts, io);
  if (!opts.headless) return runWithWebUi(opts, io);
  return withPlannedRun(opts, io, async (workload, script) => {
    const run = await createRun(workload.opts, io, script, workload.peakUsers);
    return runTest(workload, io, run, { where: `on ${run.threadCount} threads` });
  });
}

/**
 * What a caller adds to the headless run loop; the loop itself (scenarios, live lines, thresholds, failure window,
 * metrics server, reports, pushgateway, exit code) is the same for every run. The master uses these for its workers.
 */
export interface RunHooks {
  /** Where the users run, for the start line: `on 4 threads`, `on 3 workers`. */
  where: string;
  /** Appended to each live line. */
  liveSuffix?: () => string;
  /**
   * Called once the run has begun (runner clock started), with a way to stop it early with an exit code (worker
   * loss: 5). The report is then marked partial and that code wins over every other.
   */
  onStart?: (stopWith: (exitCode: number) => void) => void;
  /** The report as the caller wants it written (the master: the workers' generator figures and `workers`). */
  report?: (report: JsonReport) => JsonReport;
  /** The warning when the report says the generator was saturated. */
  saturatedWarning?: string;
}

/** How the run ended early, if it did. */
interface Ending {
  interrupted: boolean;
  abortedBy?: ThresholdResult;
  /** Only failures for --abort-after-failures: exit 3 (issue 12). */
  failedOut?: boolean;
  /** Stopped by a hook with this exit code (the master: 5 on worker loss). */
  exitCode?: number;
}

function describe(w: RunWorkload, where: string): string {
  const names = w.plans.map((p) => `${p.name} (${p.executor})`).join(', ');
  const time = w.opts.runTimeS ? `, for ${w.opts.runTimeS}s` : '';
  if (w.spawnRate !== null) return `starting ${w.opts.users} users at ${w.spawnRate}/s ${where}${time}`;
  return `starting scenarios ${names} ${where}${time}`;
}

/** Runs a planned workload on a prepared run (its threads ready) to the end; resolves the exit code. */
export async function runTest(w: RunWorkload, io: RunIo, run: PreparedRun, hooks: RunHooks): Promise<number> {
  const metrics = await startMetrics(w.opts, io, run);
  try {
    return await runUntilStopped(w, io, run, hooks);
  } finally {
    await metrics?.close();
  }
}

/** Serves the running test's /metrics on --prometheus-port (headless; the web UI serves it on its own port). */
async function startMetrics(opts: RunOptions, io: RunIo, run: PreparedRun): Promise<TestMetricsServer | undefined> {
  if (opts.prometheusPort === undefined) return undefined;
  try {
    const metrics = await startTestMetricsServer({ port: opts.prometheusPort, host: opts.webHost.replace(/^\[(.*)\]$/, '$1'), aggregate: run.aggregate, runner: run.runner });
    io.logger.log('info', `Prometheus metrics at ${metrics.url}`);
    return metrics;
  } catch (error) {
    if (error instanceof PrometheusError) throw new UsageError('STAMPEDE_ERR_CONFIG_PROMETHEUS_PORT', error.message, error.hint);
    throw error;
  }
}

async function runUntilStopped(w: RunWorkload, io: RunIo, run: PreparedRun, hooks: RunHooks): Promise<number> {
  const { opts, thresholds } = w;
  const clock = systemClock;
  const { runner, aggregate } = run;
  const stop = new AbortController();
  const ending: Ending = { interrupted: false };
  io.onSignal(() => {
    ending.interrupted = true;
    io.logger.log('warning', `interrupted: stopping (up to ${opts.stopTimeoutS}s for tasks in flight), writing reports`);
    stop.abort();
  });
  if (opts.runTimeS !== undefined) void clock.sleep(opts.runTimeS * 1000, stop.signal).then(() => stop.abort());
  const source = runnerMetricSource(runner, aggregate, w.plans.map((p) => p.name));
  if (opts.resetStats) resetStatsAfterRamps(run, io);
  let ticks = 0;
  const failures = new FailureWindow(opts.abortAfterFailuresS);
  runner.on('tick', ({ users }: { users: number }) => {
    run.cpu.sample();
    if (++ticks % 2 === 0 && !opts.onlySummary) io.out(`${liveLine(aggregate, runner.elapsedS(), users)}${hooks.liveSuffix?.() ?? ''}`);
    if (!ending.failedOut && failures.observe(aggregate.timeseries().at(-1))) {
      ending.failedOut = true;
      io.logger.log('error', `only failures for ${opts.abortAfterFailuresS}s: stopping the run (is the target down?); --abort-after-failures 0 never stops`);
      stop.abort();
    }
    const failing = ending.abortedBy ? undefined : failingAbortThreshold(thresholds, source);
    if (failing) {
      ending.abortedBy = failing;
      io.logger.log('error', `threshold ${failing.metric} ${failing.condition} failed (observed ${failing.value}) with abortOnFail: stopping the run`);
      stop.abort();
    }
  });

  io.logger.log('info', describe(w, hooks.where));
  const scenarios = runScenarios({ runner, plans: w.plans, classes: run.classes, clock, logger: io.logger, signal: stop.signal, stopTimeoutMs: opts.stopTimeoutS * 1000 });
  // runScenarios has begun the runner synchronously: its clock is the run's start.
  hooks.onStart?.((exitCode) => {
    ending.exitCode ??= exitCode;
    stop.abort();
  });
  await Promise.race([scenarios, new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }))]);
  stop.abort();
  await runner.stop(opts.stopTimeoutS * 1000);
  await scenarios;
  recordTeardownFailure(io, aggregate, await w.teardown?.());
  return finish(w, io, run, ending, hooks);
}

function thresholdLines(results: readonly ThresholdResult[]): string[] {
  if (results.length === 0) return [];
  const lines = ['', 'Thresholds'];
  for (const r of results) lines.push(`  ${r.passed ? 'PASS' : 'FAIL'}  ${r.metric} ${r.condition}  (observed ${r.value === null ? 'nothing: no samples' : r.value})`);
  return lines;
}

function scenarioLines(run: PreparedRun, durationS: number): string[] {
  const { runner } = run;
  if (runner.scenarioAggregates.size < 2) return [];
  const lines = ['', 'Scenarios'];
  for (const [name, agg] of runner.scenarioAggregates) {
    const t = agg.totals(durationS);
    const c = runner.scenarioCounters.get(name);
    const p95 = t.latency.count ? (t.latency.percentileUs(95) / 1000).toFixed(1) : '-';
    lines.push(`  ${name}: ${t.requests} requests, ${t.failures} failures, ${t.rps.toFixed(2)} req/s, p95 ${p95} ms, iterations ${c?.iterations ?? 0} (late ${c?.late ?? 0}, dropped ${(c?.dropped ?? 0) + (c?.missed ?? 0)})`);
  }
  return lines;
}

async function finish(w: RunWorkload, io: RunIo, run: PreparedRun, ending: Ending, hooks: RunHooks): Promise<number> {
  const { opts } = w;
  const { runner, aggregate } = run;
  const endedAt = systemClock.wallNow();
  // With --reset-stats the statistics cover the time since the last reset, and their rates too.
  const durationS = opts.resetStats ? aggregate.elapsedS : runner.elapsedS();
  await runner.close();
  const results = evaluateThresholds(w.thresholds, runnerMetricSource(runner, aggregate, w.plans.map((p) => p.name), () => durationS));
  const checksFailing = failedChecks(aggregate.checks(), w.thresholds);
  io.out('');
  io.out([finalTables(aggregate, durationS), ...scenarioLines(run, durationS), ...thresholdLines(results)].join('\n'));
  const partial = ending.interrupted || ending.failedOut === true || ending.exitCode !== undefined;
  const base = buildRunReport(opts, run, { endedAt, durationS, partial, users: w.peakUsers, spawnRate: w.spawnRate, model: w.model, thresholds: results });
  const report = hooks.report ? hooks.report(base) : base;
  if (report.generator?.saturated) {
    io.logger.log('warning', hooks.saturatedWarning ?? 'the load generator was saturated (CPU or event-loop lag): latency figures are suspect');
  }
  await writeRunReports(opts, run, report, durationS);
  if (opts.pushgateway) {
    // One group per script, so the Pushgateway keeps the latest run and Prometheus the history (docs/observability.md).
    const first = opts.file.split(',')[0]!;
    const instance = path.basename(first, path.extname(first));
    await pushSummary(opts.pushgateway, report, { instance }).catch((e: PrometheusError) => io.logger.log('warning', `${e.message}${e.hint ? ` (${e.hint})` : ''}`));
  }
  if (ending.exitCode !== undefined) return ending.exitCode;
  if (ending.interrupted) return EXIT.interrupted;
  if (ending.failedOut) return EXIT.aborted;
  const failed = results.filter((r) => !r.passed);
  if (failed.length > 0) io.logger.log('error', `${failed.length} of ${results.length} thresholds failed: ${failed.map((r) => `${r.metric} ${r.condition}`).join('; ')}`);
  if (checksFailing.length > 0) io.logger.log('error', `checks failed: ${checksFailing.join(', ')} (set a threshold on checks to allow a failure rate)`);
  const verdict = requestVerdict(tallyOf(aggregate), opts.exitCodeOnError);
  if (verdict.reason) io.logger.log(verdict.code === EXIT.ok ? 'warning' : 'error', verdict.reason);
  if (failed.length > 0 || checksFailing.length > 0) return EXIT.failed;
  return verdict.code;
}
