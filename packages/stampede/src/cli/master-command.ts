/**
 * `stampede master --redis URL -f users.ts --headless --expect-workers N ...`: a scripted run whose users run on
 * worker processes. The master loads and bundles the script, waits for N workers, then drives them through the
 * same LocalRunner a local run uses (one ClusterThread stands for the whole cluster), merges their deltas into
 * the one Aggregate, and writes the same reports, plus the `workers` section. Exit 5 when a worker is lost with
 * --abort-on-worker-loss, when every worker is lost, or when Redis has not answered for --redis-grace. A signal is
 * always answered: the first stops the run (reports written), one after the reports exits at once.
 */
import { Option, type Command } from './commander.ts';
import type { ClusterMaster, WorkerLostEvent } from '../cluster/cluster-master.ts';
import { connectRedis } from '../cluster/redis-connection.ts';
import { LocalRunner } from '../runner/local-runner.ts';
import { resolveRunOptions } from './config-file.ts';
import { consoleOut } from './console-out.ts';
import { parseDurationS } from '../workload/duration.ts';
import { addRunOptions, positiveInt, toRunOptions, type RunOptions } from './options.ts';
import type { PreparedScript } from './prepared-run.ts';
import { clusterReport, clusterRun, openMaster, type MasterOptions } from './cluster-run.ts';
import { EXIT } from './exit-codes.ts';
import type { RunIo } from './run-io.ts';
import { runTest } from './run-command.ts';
import { withPlannedRun, type RunWorkload } from './workload-plan.ts';
import { addClusterOptions, mergedOptions, toClusterConnection, type ClusterCommandDeps } from './worker-command.ts';

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

/** Runs a distributed test headless; resolves the exit code. */
export async function runMaster(cliOpts: RunOptions, m: MasterOptions, io: RunIo): Promise<number> {
  const opts = await resolveRunOptions(cliOpts);
  if (!opts.headless) return (await import('./master-web.ts')).runMasterWithWebUi(opts, m, io);
  // Redis first: a refused password must fail before anything slow.
  const redis = await connectRedis(m.redisUrl, { name: 'stampede-master' });
  try {
    return await withPlannedRun(opts, io, async (workload, script) => {
      const master = await openMaster(redis, opts, m, io.logger, script);
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
