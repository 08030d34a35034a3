/**
 * `stampede master --redis URL -f users.ts --headless --expect-workers N ...`: a scripted run whose users run on
 * worker processes. The master loads and bundles the script, waits for N workers, then drives them through the
 * same LocalRunner a local run uses (one ClusterThread stands for the whole cluster), merges their deltas into
 * the one Aggregate, and writes the same reports, plus the `workers` section. Exit 5 when a worker is lost with
 * --abort-on-worker-loss, when every worker is lost, or when Redis has not answered for --redis-grace. A signal is
 * always answered: the first stops the run (reports written), one after the reports exits at once.
 */
import type { Logger } from '../logger.ts';
import os from 'node:os';
import { Option, type Command } from './commander.ts';
import { systemClock } from '../clock.ts';
import { readBundle } from '../cluster/bundle-files.ts';
import { ClusterMaster, type WorkerLostEvent } from '../cluster/cluster-master.ts';
import { connectRedis } from '../cluster/redis-connection.ts';
import type { JsonReport } from '../report/report-types.ts';
import { LocalRunner } from '../runner/local-runner.ts';
import { distributeUsers } from '../user/distribute.ts';
import type { UserClass } from '../user/user.ts';
import { resolveRunOptions } from './config-file.ts';
import { consoleOut } from './console-out.ts';
import { parseDurationS } from '../workload/duration.ts';
import { addRunOptions, positiveInt, toRunOptions, type RunOptions } from './options.ts';
import { runAggregate, type PreparedRun, type PreparedScript } from './prepared-run.ts';
import { ProcessCpuSampler } from '../monitor/process-cpu.ts';
import { EXIT } from './exit-codes.ts';
import type { RunIo } from './run-io.ts';
import { runTest } from './run-command.ts';
import { withPlannedRun, type RunWorkload } from './workload-plan.ts';
import { addClusterOptions, mergedOptions, toClusterConnection, type ClusterCommandDeps, type ClusterConnectionOptions } from './worker-command.ts';

/** Options of the master beyond those of a local run. */
export interface MasterOptions extends ClusterConnectionOptions {
  expectWorkers: number;
  expectWorkersTimeoutMs: number;
  abortOnWorkerLoss: boolean;
}

/** Locust flags the master takes as its own. */
const MASTER_OWN_FLAGS = ['--expect-workers'];

export function addMasterCommand(program: Command, deps: ClusterCommandDeps): void {
  const cmd = addRunOptions(program.command('master').description('run a test on worker processes coordinated through Redis'), MASTER_OWN_FLAGS);
  addClusterOptions(cmd)
    .addOption(new Option('--expect-workers <n>', 'wait for N workers before starting (default 1)').env('STAMPEDE_EXPECT_WORKERS').argParser(positiveInt('--expect-workers')))
    .addOption(new Option('--expect-workers-timeout <duration>', 'give up when they have not all joined by then (default 5m)').env('STAMPEDE_EXPECT_WORKERS_TIMEOUT'))
    .addOption(new Option('--abort-on-worker-loss', 'stop the run (exit 5) when a worker is lost, instead of moving its users').env('STAMPEDE_ABORT_ON_WORKER_LOSS'))
    .action(async (userClasses: string[], _raw: Record<string, unknown>, command: Command) => {
      const raw = mergedOptions(program, command);
      const opts = toRunOptions(raw, userClasses, MASTER_OWN_FLAGS);
      const master: MasterOptions = {
        ...toClusterConnection(raw),
        expectWorkers: raw.expectWorkers ?? 1,
        expectWorkersTimeoutMs: parseDurationS(raw.expectWorkersTimeout ?? '5m', '--expect-workers-timeout') * 1000,
        abortOnWorkerLoss: Boolean(raw.abortOnWorkerLoss),
      };
      const io: RunIo = { logger: deps.consoleLogger(opts.logLevel), out: consoleOut(opts.json), onSignal: deps.signalHook() };
      process.exitCode = await runMaster(opts, master, io);
    });
}

/**
 * Without --cluster-key unsigned messages are taken (nothing to check them against; docs/reliability.md): said once
 * at start, by the headless master and the web-UI master alike.
 */
export function warnWithoutClusterKey(m: MasterOptions, logger: Logger): void {
  if (!m.clusterKey) logger.log('warning', 'no --cluster-key: messages are not authenticated; whoever can write to this Redis can run code on the workers');
}

/** Runs a distributed test headless; resolves the exit code. */
export async function runMaster(cliOpts: RunOptions, m: MasterOptions, io: RunIo): Promise<number> {
  const opts = await resolveRunOptions(cliOpts);
  if (!opts.headless) return (await import('./master-web.ts')).runMasterWithWebUi(opts, m, io);
  // Redis first: a refused password must fail before anything slow.
  const redis = await connectRedis(m.redisUrl, { name: 'stampede-master' });
  try {
    return await withPlannedRun(opts, io, async (workload, script) => {
      const master = await ClusterMaster.open({
        redis,
        namespace: m.namespace,
        clock: systemClock,
        logger: io.logger,
        bundle: readBundle(script.bundlePath),
        init: { host: opts.host, tags: opts.tags, excludeTags: opts.excludeTags, logLevel: opts.logLevel, maxNames: opts.maxNames, seed: opts.seed ?? Math.floor(Math.random() * 2 ** 31), setupData: script.setupData },
        identity: { host: os.hostname(), pid: process.pid },
        respawnLostUsers: !m.abortOnWorkerLoss,
        redisGraceMs: m.redisGraceMs,
        clusterKey: m.clusterKey,
      });
      warnWithoutClusterKey(m, io.logger);
      let code: number = EXIT.interrupted;
      try {
        code = await runOnWorkers(workload, m, io, master, script);
        return code;
      } finally {
        // The reports are written: a signal now ends the process at once, even when Redis does not answer.
        io.onSignal(() => {
          io.logger.log('warning', 'signal while closing the run: exiting now');
          process.exit(code);
        });
        await master.close();
      }
    });
  } finally {
    redis.disconnect();
  }
}

/** Waits for the workers, then runs the workload through the local run loop on one ClusterThread. */
async function runOnWorkers(w: RunWorkload, m: MasterOptions, io: RunIo, master: ClusterMaster, script: PreparedScript): Promise<number> {
  const signalled = new AbortController();
  io.onSignal(() => {
    io.logger.log('warning', 'interrupted while waiting for workers');
    signalled.abort();
  });
  io.logger.log('info', `master: run ${master.runId} on namespace '${m.namespace}', waiting for ${m.expectWorkers} worker(s)`);
  if (!(await master.waitForWorkers(m.expectWorkers, m.expectWorkersTimeoutMs, signalled.signal))) return EXIT.interrupted;
  const run = clusterRun(w.opts, io, master, script.classes, w.peakUsers);
  return runTest(w, io, run, {
    where: `on ${master.liveWorkers} workers`,
    liveSuffix: () => ` | workers ${master.liveWorkers}`,
    onStart: (stopWith) => watchWorkers(m, io, master, run.runner, stopWith),
    report: (base) => clusterReport(base, master),
    saturatedWarning: 'a worker was saturated (CPU over 90% or event-loop lag): latency figures are suspect',
  });
}

/** A test of the master: a LocalRunner whose only thread is the whole cluster, over `classes`, for up to `users` users. */
export function clusterRun(opts: RunOptions, io: RunIo, master: ClusterMaster, classes: UserClass[], users: number): PreparedRun {
  const aggregate = runAggregate(opts, io, () => runner.startedAtWallMs);
  const order = distributeUsers(classes, Math.max(1, users)).order;
  // 900 ms: the cluster thread answers within 750 ms, so a tick closes with every worker's delta in it.
  const runner = new LocalRunner({ threads: [master.thread], aggregate, clock: systemClock, logger: io.logger, classForUser: (i) => order[i % order.length]!.name, snapshotTimeoutMs: 900 });
  runner.on('log', (l) => io.logger.log(l.level, l.message, l.source));
  return { runner, aggregate, cpu: new ProcessCpuSampler(), threadCount: 1, classes };
}

/** Stops the run with exit 5 when a worker is lost with --abort-on-worker-loss, or when every worker is lost. */
function watchWorkers(m: MasterOptions, io: RunIo, master: ClusterMaster, runner: LocalRunner, stopWith: (exitCode: number) => void): void {
  master.runStarted(runner.startedAtMs);
  let stopped = false;
  const stop = (message: string) => {
    // A loss while the run already stops (run time over, a signal) changes nothing.
    if (stopped || (runner.state !== 'spawning' && runner.state !== 'running')) return;
    stopped = true;
    io.logger.log('error', message);
    stopWith(EXIT.workerLost);
  };
  master.on('worker-lost', (e: WorkerLostEvent) => {
    if (m.abortOnWorkerLoss) stop(`worker ${e.id} lost with --abort-on-worker-loss: stopping the run`);
  });
  master.on('all-workers-lost', () => stop('the last worker was lost: stopping the run'));
  master.on('redis-lost', (downMs: number) => stop(`Redis has not answered for ${(downMs / 1000).toFixed(1)}s (--redis-grace ${m.redisGraceMs / 1000}s): stopping the run; the report is partial`));
}

/** The local run's report, with the generator figures of the workers and the `workers` section. */
export function clusterReport(base: JsonReport, master: Pick<ClusterMaster, 'cpu' | 'reportWorkers'>): JsonReport {
  const cpu = master.cpu();
  const lagMs = base.generator?.loop_lag_p99_ms ?? 0;
  return {
    ...base,
    generator: { saturated: cpu.flagged || lagMs > 50, cpu_max_pct: Math.round(cpu.maxPct * 10) / 10, loop_lag_p99_ms: lagMs },
    workers: master.reportWorkers(),
  };
}
