/**
 * `stampede master --redis URL -f users.ts --headless --expect-workers N ...`: a scripted run whose users run on
 * worker processes. The master loads and bundles the script, waits for N workers, then drives them through the
 * same LocalRunner a local run uses (one ClusterThread stands for the whole cluster), merges their deltas into
 * the one Aggregate, and writes the same reports, plus the `workers` section. Exit 5 when a worker is lost with
 * --abort-on-worker-loss, or when every worker is lost.
 */
import os from 'node:os';
import { Option, type Command } from 'commander';
import { systemClock } from '../clock.ts';
import { readBundle } from '../cluster/bundle-files.ts';
import { ClusterMaster, type WorkerLostEvent } from '../cluster/cluster-master.ts';
import { connectRedis } from '../cluster/redis-connection.ts';
import type { JsonReport } from '../report/report-types.ts';
import { LocalRunner } from '../runner/local-runner.ts';
import { Aggregate } from '../stats/aggregate.ts';
import { distributeUsers } from '../user/distribute.ts';
import { finalTables, liveLine } from './console-output.ts';
import { parseDurationS } from './duration.ts';
import { UsageError } from './errors.ts';
import { addRunOptions, positiveInt, toRunOptions, type RunOptions } from './options.ts';
import { buildRunReport, prepareScript, unreachableTarget, writeRunReports, type PreparedRun, type PreparedScript } from './prepared-run.ts';
import { ProcessCpuSampler } from './process-cpu.ts';
import { EXIT, type RunIo } from './run-command.ts';
import { addClusterOptions, mergedOptions, toClusterConnection, type ClusterCommandDeps, type ClusterConnectionOptions } from './worker-command.ts';

/** Options of the master beyond those of a local run. */
export interface MasterOptions extends ClusterConnectionOptions {
  expectWorkers: number;
  expectWorkersTimeoutMs: number;
  abortOnWorkerLoss: boolean;
}

export function addMasterCommand(program: Command, deps: ClusterCommandDeps): void {
  const cmd = addRunOptions(program.command('master').description('run a test on worker processes coordinated through Redis'));
  addClusterOptions(cmd)
    .addOption(new Option('--expect-workers <n>', 'wait for N workers before starting (default 1)').env('STAMPEDE_EXPECT_WORKERS').argParser(positiveInt('--expect-workers')))
    .addOption(new Option('--expect-workers-timeout <duration>', 'give up when they have not all joined by then (default 5m)').env('STAMPEDE_EXPECT_WORKERS_TIMEOUT'))
    .addOption(new Option('--abort-on-worker-loss', 'stop the run (exit 5) when a worker is lost, instead of moving its users').env('STAMPEDE_ABORT_ON_WORKER_LOSS'))
    .action(async (userClasses: string[], _raw: Record<string, unknown>, command: Command) => {
      const raw = mergedOptions(program, command);
      const opts = toRunOptions(raw, userClasses);
      const master: MasterOptions = {
        ...toClusterConnection(raw),
        expectWorkers: raw.expectWorkers ?? 1,
        expectWorkersTimeoutMs: parseDurationS(raw.expectWorkersTimeout ?? '5m', '--expect-workers-timeout') * 1000,
        abortOnWorkerLoss: Boolean(raw.abortOnWorkerLoss),
      };
      const io: RunIo = { logger: deps.consoleLogger(opts.logLevel), out: (line) => process.stdout.write(`${line}\n`), onSignal: deps.signalHook() };
      process.exitCode = await runMaster(opts, master, io);
    });
}

/** Runs a distributed test headless; resolves the exit code. */
export async function runMaster(opts: RunOptions, m: MasterOptions, io: RunIo): Promise<number> {
  if (!opts.headless) throw new UsageError('STAMPEDE_ERR_UNSUPPORTED', 'the web UI of the master is not available yet', 'pass --headless');
  const unsupported = [['--arrival-rate', opts.arrivalRate], ['--stages', opts.stages], ['--html', opts.html], ['--junit', opts.junit], ['--prometheus-port', opts.prometheusPort]] as const;
  for (const [flag, value] of unsupported) {
    if (value !== undefined) throw new UsageError('STAMPEDE_ERR_UNSUPPORTED', `${flag} is not supported by the master yet`, 'leave it out for now');
  }
  // Redis first: a refused password must fail before anything slow.
  const redis = await connectRedis(m.redisUrl, { name: 'stampede-master' });
  try {
    const script = await prepareScript(opts, io);
    try {
      const unreachable = await unreachableTarget(script.hosts);
      if (unreachable) {
        io.logger.log('error', unreachable);
        return EXIT.aborted;
      }
      const master = await ClusterMaster.open({
        redis,
        namespace: m.namespace,
        clock: systemClock,
        logger: io.logger,
        bundle: readBundle(script.bundlePath),
        init: { host: opts.host, tags: opts.tags, excludeTags: opts.excludeTags, logLevel: opts.logLevel, maxNames: opts.maxNames, seed: opts.seed ?? Math.floor(Math.random() * 2 ** 31) },
        identity: { host: os.hostname(), pid: process.pid },
        respawnLostUsers: !m.abortOnWorkerLoss,
      });
      try {
        return await runOnWorkers(opts, m, io, master, script);
      } finally {
        await master.close();
      }
    } finally {
      script.dispose();
    }
  } finally {
    redis.disconnect();
  }
}

async function runOnWorkers(opts: RunOptions, m: MasterOptions, io: RunIo, master: ClusterMaster, script: PreparedScript): Promise<number> {
  const clock = systemClock;
  const signalled = new AbortController();
  io.onSignal(() => {
    io.logger.log('warning', `interrupted: stopping (up to ${opts.stopTimeoutS}s for tasks in flight), writing reports`);
    signalled.abort();
  });
  io.logger.log('info', `master: run ${master.runId} on namespace '${m.namespace}', waiting for ${m.expectWorkers} worker(s)`);
  if (!(await master.waitForWorkers(m.expectWorkers, m.expectWorkersTimeoutMs, signalled.signal))) return EXIT.interrupted;

  const aggregate = new Aggregate({ maxNames: opts.maxNames, onWarning: (w) => io.logger.log('warning', w) });
  const order = distributeUsers(script.classes, Math.max(1, opts.users)).order;
  // 900 ms: the cluster thread answers within 750 ms, so a tick closes with every worker's delta in it.
  const runner = new LocalRunner({ threads: [master.thread], aggregate, clock, logger: io.logger, classForUser: (i) => order[i % order.length]!.name, snapshotTimeoutMs: 900 });
  runner.on('log', (l) => io.logger.log(l.level, l.message, l.source));

  let workerLoss = false;
  const active = () => runner.state === 'spawning' || runner.state === 'running';
  const stopped = new Promise<void>((resolve) => {
    signalled.signal.addEventListener('abort', () => resolve(), { once: true });
    if (opts.runTimeS !== undefined) void clock.sleep(opts.runTimeS * 1000).then(() => resolve());
    master.on('worker-lost', (e: WorkerLostEvent) => {
      if (!m.abortOnWorkerLoss || !active()) return;
      workerLoss = true;
      io.logger.log('error', `worker ${e.id} lost with --abort-on-worker-loss: stopping the run`);
      resolve();
    });
    master.on('all-workers-lost', () => {
      if (!active()) return;
      workerLoss = true;
      io.logger.log('error', 'the last worker was lost: stopping the run');
      resolve();
    });
  });

  io.logger.log('info', `starting ${opts.users} users at ${opts.spawnRate}/s on ${master.liveWorkers} workers${opts.runTimeS ? `, for ${opts.runTimeS}s` : ''}`);
  runner.start(opts.users, opts.spawnRate);
  master.runStarted(runner.startedAtMs);
  let ticks = 0;
  runner.on('tick', ({ users }: { users: number }) => {
    if (++ticks % 2 === 0 && !opts.onlySummary) io.out(`${liveLine(aggregate, runner.elapsedS(), users)} | workers ${master.liveWorkers}`);
  });
  await stopped;
  await runner.stop(opts.stopTimeoutS * 1000);
  const endedAt = clock.wallNow();
  const durationS = runner.elapsedS();
  await runner.close();

  io.out('');
  io.out(finalTables(aggregate, durationS));
  const interrupted = signalled.signal.aborted;
  const run: PreparedRun = { runner, aggregate, cpu: new ProcessCpuSampler(), threadCount: 1, classes: script.classes };
  const report = clusterReport(opts, master, run, { endedAt, durationS, partial: interrupted || workerLoss });
  if (report.generator?.saturated) io.logger.log('warning', 'a worker was saturated (CPU over 90% or event-loop lag): latency figures are suspect');
  await writeRunReports(opts, run, report, durationS);
  if (workerLoss) return EXIT.workerLost;
  if (interrupted) return EXIT.interrupted;
  if (opts.failOnError && aggregate.totals().failures > 0) return EXIT.failed;
  return EXIT.ok;
}

/** The local run's report, with the generator figures of the workers and the `workers` section. */
function clusterReport(opts: RunOptions, master: ClusterMaster, run: PreparedRun, end: { endedAt: number; durationS: number; partial: boolean }): JsonReport {
  const base = buildRunReport(opts, run, { ...end, users: opts.users, spawnRate: opts.spawnRate });
  const cpu = master.cpu();
  const lagMs = run.runner.counters.loopLagP99Ms;
  return {
    ...base,
    generator: { saturated: cpu.flagged || lagMs > 50, cpu_max_pct: Math.round(cpu.maxPct * 10) / 10, loop_lag_p99_ms: Math.round(lagMs * 100) / 100 },
    workers: master.reportWorkers(),
  };
}
