/**
 * What the headless master and the web-UI master share: their options, opening the run on Redis, the run whose
 * only thread is the whole cluster, and the report with the workers' figures.
 */
import os from 'node:os';
import type { Redis } from 'ioredis';
import { systemClock } from '../clock.ts';
import { readBundle } from '../cluster/bundle-files.ts';
import { ClusterMaster } from '../cluster/cluster-master.ts';
import type { Logger } from '../logger.ts';
import { ProcessCpuSampler } from '../monitor/process-cpu.ts';
import type { JsonReport } from '../report/report-types.ts';
import { LocalRunner } from '../runner/local-runner.ts';
import { distributeUsers } from '../user/distribute.ts';
import type { UserClass } from '../user/user.ts';
import type { RunOptions } from './options.ts';
import { runAggregate, type PreparedRun, type PreparedScript } from './prepared-run.ts';
import type { RunIo } from './run-io.ts';
import type { ClusterConnectionOptions } from './worker-command.ts';

/** Options of the master beyond those of a local run. */
export interface MasterOptions extends ClusterConnectionOptions {
  expectWorkers: number;
  expectWorkersTimeoutMs: number;
  abortOnWorkerLoss: boolean;
}

/**
 * Without --cluster-key unsigned messages are taken (nothing to check them against; docs/reliability.md): said once
 * at start, by the headless master and the web-UI master alike.
 */
export function warnWithoutClusterKey(m: MasterOptions, logger: Logger): void {
  if (!m.clusterKey) logger.log('warning', 'no --cluster-key: messages are not authenticated; whoever can write to this Redis can run code on the workers');
}

/** Opens the run on Redis with the script's bundle (said once: without --cluster-key, messages are not signed). */
export async function openMaster(redis: Redis, opts: RunOptions, m: MasterOptions, logger: Logger, script: PreparedScript): Promise<ClusterMaster> {
  const master = await ClusterMaster.open({
    redis,
    namespace: m.namespace,
    clock: systemClock,
    logger,
    bundle: readBundle(script.bundlePath),
    // --seed, or a new one (each test of the web UI gets its own through its reset).
    init: { host: opts.host, tags: opts.tags, excludeTags: opts.excludeTags, logLevel: opts.logLevel, maxNames: opts.maxNames, seed: opts.seed ?? Math.floor(Math.random() * 2 ** 31), insecure: opts.insecure, setupData: script.setupData },
    identity: { host: os.hostname(), pid: process.pid },
    respawnLostUsers: !m.abortOnWorkerLoss,
    redisGraceMs: m.redisGraceMs,
    clusterKey: m.clusterKey,
  });
  warnWithoutClusterKey(m, logger);
  return master;
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
