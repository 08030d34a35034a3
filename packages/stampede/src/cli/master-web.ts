/**
 * `stampede master --redis URL -f users.ts` without `--headless`: the web UI of a local run, whose tests run on the
 * workers. Workers join whenever they start and stay between tests, as Locust's do: when a test stops, each worker
 * loads fresh user threads from the bundle it already holds (the test's host, a new seed) while the results are
 * read; the next test waits for them and runs through a LocalRunner whose one thread is a fresh ClusterThread — the
 * headless master's code (clusterRun, clusterReport). The workers tab shows each worker live. On SIGINT/SIGTERM:
 * stop the test, write the reports (with the `workers` section), tell the workers to quit and release the
 * namespace; exit 4 when a test was cut short.
 */
import os from 'node:os';
import { readBundle } from '../cluster/bundle-files.ts';
import { ClusterMaster, type WorkerLostEvent } from '../cluster/cluster-master.ts';
import { connectRedis } from '../cluster/redis-connection.ts';
import { systemClock } from '../clock.ts';
import type { ReportWorker } from '../report/report-types.ts';
import { WebError } from '../web/errors.ts';
import type { TestSession } from '../web/test-session.ts';
import { UsageError } from './errors.ts';
import { clusterReport, clusterRun, warnWithoutClusterKey, type MasterOptions } from './master-command.ts';
import type { RunOptions } from './options.ts';
import { buildRunReport, resetStatsAfterRamps, withScript } from './prepared-run.ts';
import { EXIT } from './exit-codes.ts';
import type { RunIo } from './run-io.ts';
import { serveWebUi, setupWebUi, testEnd, webExitCode, type WebPreparedRun, type WebRunFactory } from './web-command.ts';

/** How long a test's start waits for the workers to reload their threads, beyond the previous test's stop timeout. */
const RELOAD_TIMEOUT_MS = 60_000;

/** A UI test on the cluster. */
type ClusterWebRun = WebPreparedRun & {
  /** Stopped because a worker was lost (--abort-on-worker-loss) or the last one was: partial, exit 5. */
  workerLoss: boolean;
  /** The workers' figures when the test stopped (the next test's start resets them). */
  final?: { cpu: ReturnType<ClusterMaster['cpu']>; workers: ReportWorker[] };
};

/** Serves the master's web UI until a signal; resolves the exit code. */
export async function runMasterWithWebUi(opts: RunOptions, m: MasterOptions, io: RunIo): Promise<number> {
  const setup = setupWebUi(opts, io);
  if (opts.prometheusPort !== undefined) {
    throw new UsageError('STAMPEDE_ERR_UNSUPPORTED', '--prometheus-port is for headless runs', 'the web UI serves /metrics on its own port (--web-port)');
  }
  // Redis first: a refused password must fail before anything slow.
  const redis = await connectRedis(m.redisUrl, { name: 'stampede-master' });
  try {
    return await withScript(opts, setup.io, async (script) => {
      const master = await ClusterMaster.open({
        redis,
        namespace: m.namespace,
        clock: systemClock,
        logger: setup.io.logger,
        bundle: readBundle(script.bundlePath),
        init: { host: opts.host, tags: opts.tags, excludeTags: opts.excludeTags, logLevel: opts.logLevel, maxNames: opts.maxNames, seed: testSeed(opts), insecure: opts.insecure },
        identity: { host: os.hostname(), pid: process.pid },
        respawnLostUsers: !m.abortOnWorkerLoss,
        redisGraceMs: m.redisGraceMs,
        clusterKey: m.clusterKey,
      });
      try {
        warnWithoutClusterKey(m, setup.io.logger);
        setup.io.logger.log('info', `master: run ${master.runId} on namespace '${m.namespace}'; workers join with: stampede worker --redis URL --namespace ${m.namespace}`);
        // Registered before serveWebUi's own wait on the signal, so it is seen first: no reload when shutting down.
        const shutdown = { now: false };
        void setup.signalled.then(() => (shutdown.now = true));
        const end = await serveWebUi(opts, setup, script, clusterRuns(opts, m, setup.io, master, shutdown));
        if (end.test?.run.workerLoss && !end.cutShort) return EXIT.workerLost;
        return webExitCode(opts, end, setup.io);
      } finally {
        await master.close();
      }
    });
  } finally {
    redis.disconnect();
  }
}

/** --seed, or a new one for each test (as a local run's UI). */
function testSeed(opts: RunOptions): number {
  return opts.seed ?? Math.floor(Math.random() * 2 ** 31);
}

/** The UI's tests on the workers of `master`. */
function clusterRuns(opts: RunOptions, m: MasterOptions, io: RunIo, master: ClusterMaster, shutdown: { now: boolean }): WebRunFactory<ClusterWebRun> {
  const noWorkers = `start workers with: stampede worker --redis URL --namespace ${m.namespace}`;
  return {
    cluster: { workers: () => master.workerStates(), readyWorkers: () => master.readyWorkers },
    createRun: async (runOpts, classes, config) => {
      // Workers still loading (the script, or fresh threads after the last test) are waited for.
      if (master.memberWorkers === 0) throw new WebError('STAMPEDE_ERR_WEB_NO_WORKERS', `no worker is ready: ${noWorkers}`, 409);
      const timeoutMs = opts.stopTimeoutS * 1000 + RELOAD_TIMEOUT_MS;
      const live = await master.newTest({ host: config.host, seed: testSeed(opts) }, timeoutMs);
      if (live === 0) throw new WebError('STAMPEDE_ERR_WEB_NO_WORKERS', `no worker reloaded the script within ${Math.round(timeoutMs / 1000)}s: ${noWorkers}`, 409);
      const run = clusterRun(runOpts, io, master, classes, config.users);
      const { runner } = run;
      if (runOpts.resetStats) resetStatsAfterRamps(run, io);
      // The runner's first state change is its start: worker losses are timed from it (`lost_at`).
      runner.once('state', () => master.runStarted(runner.startedAtMs));
      io.logger.log('info', `starting ${config.users} users at ${config.spawnRate}/s on ${live} workers${config.runTimeS ? `, for ${config.runTimeS}s` : ''}`);
      return { ...run, runOpts, workerLoss: false };
    },
    closeRun: async (run) => {
      run.final = { cpu: master.cpu(), workers: master.reportWorkers() };
      await run.runner.close();
      // The workers load fresh threads now, while the results are read, so the next test starts at once.
      if (!shutdown.now) master.reload({ host: run.runOpts.host, seed: testSeed(opts) });
    },
    report: (test, partial) => {
      const { run, config } = test;
      const final = run.final;
      const figures = final ? { cpu: () => final.cpu, reportWorkers: () => final.workers } : master;
      const base = buildRunReport(run.runOpts, run, { ...testEnd(test, partial || run.workerLoss), users: config.users, spawnRate: config.spawnRate });
      return clusterReport(base, figures);
    },
    onSession: (session) => stopOnWorkerLoss(session, m, io, master),
  };
}

/** A running test stops when a worker is lost with --abort-on-worker-loss, or when the last one is. */
function stopOnWorkerLoss(session: TestSession<ClusterWebRun>, m: MasterOptions, io: RunIo, master: ClusterMaster): void {
  const stop = (why: string) => {
    const test = session.test;
    if (!test || test.ended || !['spawning', 'running'].includes(session.state)) return;
    test.run.workerLoss = true;
    io.logger.log('error', why);
    void session.stop();
  };
  master.on('worker-lost', (e: WorkerLostEvent) => {
    if (m.abortOnWorkerLoss) stop(`worker ${e.id} lost with --abort-on-worker-loss: stopping the test`);
  });
  master.on('all-workers-lost', () => stop('the last worker was lost: stopping the test'));
  master.on('redis-lost', (downMs: number) => stop(`Redis has not answered for ${(downMs / 1000).toFixed(1)}s (--redis-grace): stopping the test`));
}
