/**
 * `stampede worker --redis URL`: one worker process of a distributed run. It waits for a master on its namespace,
 * runs the users the master assigns on its own user threads, and exits when the master ends the run (0), on a
 * signal after handing its users back (4), when the master's heartbeat has stopped for --master-timeout (0), when
 * Redis has not answered for --redis-grace (5), or when it cannot load the script (2). A refused Redis password
 * exits 2 at once.
 */
import os from 'node:os';
import { Option, type Command } from './commander.ts';
import { systemClock } from '../clock.ts';
import { LOG_LEVELS, type Logger, type LogLevel } from '../logger.ts';
import { ClusterWorker } from '../cluster/cluster-worker.ts';
import { isValidNamespace } from '../cluster/keys.ts';
import { connectRedis } from '../cluster/redis-connection.ts';
import { WorkerUserThread } from '../runner/user-thread.ts';
import { parseDurationS } from '../workload/duration.ts';
import { UsageError } from './errors.ts';
import { positiveInt } from './options.ts';
import { ProcessCpuSampler } from '../monitor/process-cpu.ts';
import { EXIT } from './exit-codes.ts';
import type { RunIo } from './run-io.ts';

/** What the master and worker commands need from main.ts. */
export interface ClusterCommandDeps {
  signalHook: () => RunIo['onSignal'];
  consoleLogger: (level: LogLevel) => Logger;
}

/** Redis location and namespace, shared by master and worker. */
export interface ClusterConnectionOptions {
  redisUrl: string;
  namespace: string;
  /** How long Redis may be unreachable before the run (master) or the worker gives up, ms. */
  redisGraceMs: number;
  /** The shared key that authenticates every message (`--cluster-key`), if any. */
  clusterKey?: Buffer;
}

/** A cluster key shorter than this is refused: it is the only thing between Redis and code execution on workers. */
const MIN_CLUSTER_KEY_CHARS = 16;

/** Adds --redis and --namespace to a command. */
export function addClusterOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--redis <url>', 'Redis URL: redis://[:password@]host:6379[/db], rediss:// for TLS').env('STAMPEDE_REDIS'))
    .addOption(new Option('--namespace <name>', "prefix of every Redis key of the run; master and workers must agree (default 'stampede')").env('STAMPEDE_NAMESPACE'))
    .addOption(new Option('--redis-grace <duration>', 'ride out a Redis outage or restart this long; past it the run ends (exit 5) (default 10s)').env('STAMPEDE_REDIS_GRACE'))
    .addOption(new Option('--cluster-key <key>', 'shared secret (16+ chars) authenticating every message and the script; same on master and workers').env('STAMPEDE_CLUSTER_KEY'));
}

/**
 * The options of a subcommand merged with those the root program took: commander gives options the root also
 * defines (-f, -u, --threads, --json, ...) to the root even when they follow the subcommand's name.
 */
export function mergedOptions(program: Command, cmd: Command): Record<string, any> {
  const merged: Record<string, any> = { ...cmd.opts() };
  for (const [k, v] of Object.entries(program.opts())) if (v !== undefined) merged[k] = v;
  return merged;
}

/** Validated --redis and --namespace. */
export function toClusterConnection(raw: Record<string, any>): ClusterConnectionOptions {
  const redisUrl = raw.redis as string | undefined;
  if (!redisUrl) throw new UsageError('STAMPEDE_ERR_CONFIG_REDIS', 'no Redis URL given', 'pass --redis redis://host:6379 or set STAMPEDE_REDIS');
  const namespace = (raw.namespace as string | undefined) ?? 'stampede';
  if (!isValidNamespace(namespace)) {
    throw new UsageError('STAMPEDE_ERR_CONFIG_NAMESPACE', `invalid --namespace '${namespace}'`, 'use letters, digits and _ . : - (at most 100)');
  }
  const redisGraceMs = parseDurationS(raw.redisGrace ?? '10s', '--redis-grace') * 1000;
  const key = raw.clusterKey as string | undefined;
  if (key !== undefined && key.length < MIN_CLUSTER_KEY_CHARS) {
    throw new UsageError('STAMPEDE_ERR_CONFIG_CLUSTER_KEY', `--cluster-key is ${key.length} characters; at least ${MIN_CLUSTER_KEY_CHARS} are needed`, 'generate one with: openssl rand -hex 32');
  }
  return { redisUrl, namespace, redisGraceMs, ...(key !== undefined ? { clusterKey: Buffer.from(key, 'utf8') } : {}) };
}

export function addWorkerCommand(program: Command, deps: ClusterCommandDeps): void {
  const cmd = program.command('worker').description('run users for a master coordinated through Redis');
  addClusterOptions(cmd)
    .addOption(new Option('--threads <n>', 'user threads (default: available cores)').env('STAMPEDE_THREADS').argParser(positiveInt('--threads')))
    .addOption(new Option('--master-timeout <duration>', 'stop the users and leave when the master\'s heartbeat has stopped this long (default 2s)').env('STAMPEDE_MASTER_TIMEOUT'))
    .addOption(new Option('-L, --loglevel <level>', `log level: ${LOG_LEVELS.join(', ')} (default info)`).env('STAMPEDE_LOGLEVEL'))
    .action(async (_raw: Record<string, unknown>, command: Command) => {
      const raw = mergedOptions(program, command);
      const level = String(raw.loglevel ?? 'info').toLowerCase() as LogLevel;
      if (!LOG_LEVELS.includes(level)) throw new UsageError('STAMPEDE_ERR_CONFIG_LOGLEVEL', `invalid --loglevel '${raw.loglevel}'`, `use one of ${LOG_LEVELS.join(', ')}`);
      const connection = toClusterConnection(raw);
      const masterTimeoutMs = parseDurationS(raw.masterTimeout ?? '2s', '--master-timeout') * 1000;
      const threads = (raw.threads as number | undefined) ?? os.availableParallelism();
      process.exitCode = await runWorker(connection, { threads, masterTimeoutMs }, { logger: deps.consoleLogger(level), onSignal: deps.signalHook() });
    });
}

/** Runs one worker until the run ends; resolves the exit code. */
export async function runWorker(
  c: ClusterConnectionOptions,
  o: { threads: number; masterTimeoutMs: number },
  io: Pick<RunIo, 'logger' | 'onSignal'>,
): Promise<number> {
  const redis = await connectRedis(c.redisUrl, { name: 'stampede-worker' });
  const cpu = new ProcessCpuSampler();
  const cores = os.availableParallelism();
  const worker = new ClusterWorker({
    redis,
    namespace: c.namespace,
    threads: o.threads,
    createThread: (init) => new WorkerUserThread(init),
    resources: () => ({ cpuPct: Math.round((cpu.sample() / cores) * 10) / 10, rssBytes: process.memoryUsage.rss() }),
    clock: systemClock,
    logger: io.logger,
    host: os.hostname(),
    pid: process.pid,
    masterTimeoutMs: o.masterTimeoutMs,
    redisGraceMs: c.redisGraceMs,
    clusterKey: c.clusterKey,
  });
  if (!c.clusterKey) io.logger.log('warning', 'no --cluster-key: messages are not authenticated; whoever can write to this Redis can run code on this worker');
  let signalled = false;
  io.onSignal(() => {
    signalled = true;
    io.logger.log('warning', `worker ${worker.id}: signal: handing the users back to the master`);
    worker.leave('signal');
  });
  try {
    const exit = await worker.run();
    if (exit === 'init-failed') return EXIT.usage;
    if (exit === 'redis-lost') return EXIT.workerLost;
    return signalled ? EXIT.interrupted : EXIT.ok;
  } finally {
    redis.disconnect();
  }
}
