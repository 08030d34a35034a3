/**
 * `stampede -f FILE --headless ...`: load the script, run the users on worker threads, print progress,
 * write the reports, and choose the exit code (contract: ARCHITECTURE.md).
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { writeCsvReports } from '../report/csv.ts';
import { buildJsonReport, writeJsonReport } from '../report/json-report.ts';
import { LocalRunner } from '../runner/local-runner.ts';
import { WorkerUserThread, type UserThread } from '../runner/user-thread.ts';
import { Aggregate } from '../stats/aggregate.ts';
import { distributeUsers } from '../user/distribute.ts';
import { loadScript } from '../user/load-script.ts';
import { createTagFilter } from '../user/task-plan.ts';
import { isHttpUserClass, resolveHost } from '../user/user.ts';
import { liveLine, finalTables } from './console-output.ts';
import { UsageError } from './errors.ts';
import { checkUrl, type RunOptions } from './options.ts';
import { checkReachable } from './preflight.ts';
import { ProcessCpuSampler } from './process-cpu.ts';
import { VERSION } from './version.ts';

export const EXIT = { ok: 0, failed: 1, usage: 2, aborted: 3, interrupted: 4, workerLost: 5 } as const;

export interface RunIo {
  logger: Logger;
  out: (line: string) => void;
  /** Registers the handler for the first SIGINT/SIGTERM; the CLI exits at once on a second. */
  onSignal: (handler: () => void) => void;
}

function notYet(flag: string, issue: string): UsageError {
  return new UsageError('STAMPEDE_ERR_UNSUPPORTED', `${flag} is not supported yet (${issue})`, 'leave it out for now');
}

/** Runs a scripted test headless. Resolves the process exit code. */
export async function runHeadless(opts: RunOptions, io: RunIo): Promise<number> {
  if (!opts.headless) throw new UsageError('STAMPEDE_ERR_UNSUPPORTED', 'the web UI is not available yet', 'pass --headless');
  if (opts.arrivalRate !== undefined) throw notYet('--arrival-rate', 'workload models');
  if (opts.stages !== undefined) throw notYet('--stages', 'workload models');
  if (opts.html !== undefined) throw notYet('--html', 'reports');
  if (opts.junit !== undefined) throw notYet('--junit', 'thresholds');

  const tagFilter = createTagFilter(opts.tags, opts.excludeTags);
  const script = await loadScript(opts.file, { keepBundle: true, picks: opts.userClasses, tagFilter, logger: io.logger });
  try {
    const hosts = new Set<string>();
    for (const cls of script.classes) {
      const host = resolveHost(cls, opts.host);
      if (isHttpUserClass(cls) && !host) {
        throw new UsageError('STAMPEDE_ERR_CONFIG_HOST', `no host for ${cls.name}`, 'pass --host http://... or set static host in the class');
      }
      if (host) hosts.add(host);
    }
    for (const host of hosts) {
      const reason = await checkReachable(checkUrl(host, 'host'));
      if (reason) {
        io.logger.log('error', `target unreachable: ${reason} (is ${host} up?)`);
        return EXIT.aborted;
      }
    }
    return await runLoaded(opts, io, script.bundlePath, script.classes);
  } finally {
    script.dispose();
  }
}

async function runLoaded(opts: RunOptions, io: RunIo, bundlePath: string, classes: { name: string; weight: number; fixedCount: number }[]): Promise<number> {
  const clock = systemClock;
  const aggregate = new Aggregate({ maxNames: opts.maxNames, onWarning: (m) => io.logger.log('warning', m) });
  const threadCount = Math.max(1, Math.min(opts.threads, opts.users || 1));
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const threads: UserThread[] = [];
  for (let i = 0; i < threadCount; i++) {
    threads.push(
      new WorkerUserThread({ threadId: i, bundlePath, host: opts.host, tags: opts.tags, excludeTags: opts.excludeTags, logLevel: opts.logLevel, maxNames: opts.maxNames, seed }),
    );
  }
  const order = distributeUsers(classes, Math.max(1, opts.users)).order;
  const runner = new LocalRunner({ threads, aggregate, clock, logger: io.logger, classForUser: (i) => order[i % order.length]!.name });
  runner.on('log', (m) => io.logger.log(m.level, m.message, m.source));
  const cpu = new ProcessCpuSampler();
  try {
    await runner.waitReady();
  } catch (error) {
    await runner.close();
    throw error;
  }

  let interrupted = false;
  const stopped = new Promise<void>((resolve) => {
    io.onSignal(() => {
      interrupted = true;
      io.logger.log('warning', `interrupted: stopping (up to ${opts.stopTimeoutS}s for tasks in flight), writing reports`);
      resolve();
    });
    if (opts.runTimeS !== undefined) void clock.sleep(opts.runTimeS * 1000).then(() => resolve());
  });

  io.logger.log('info', `starting ${opts.users} users at ${opts.spawnRate}/s on ${threadCount} threads${opts.runTimeS ? `, for ${opts.runTimeS}s` : ''}`);
  runner.start(opts.users, opts.spawnRate);
  let ticks = 0;
  runner.on('tick', ({ users }: { users: number }) => {
    cpu.sample();
    if (++ticks % 2 === 0 && !opts.onlySummary) io.out(liveLine(aggregate, runner.elapsedS(), users));
  });
  await stopped;
  await runner.stop(opts.stopTimeoutS * 1000);
  const endedAt = clock.wallNow();
  const durationS = runner.elapsedS();
  await runner.close();

  io.out('');
  io.out(finalTables(aggregate, durationS));
  const report = buildJsonReport({
    aggregate,
    version: VERSION,
    startedAt: runner.startedAtWallMs,
    endedAt,
    durationS,
    partial: interrupted,
    config: {
      host: opts.host ?? null,
      users: opts.users,
      spawn_rate: opts.spawnRate,
      run_time_s: opts.runTimeS ?? null,
      user_classes: classes.map((c) => c.name),
      model: 'closed',
    },
    iterations: { started: runner.counters.iterations, late: runner.counters.late, dropped: runner.counters.missed },
    generator: generatorFigures(cpu.maxPct, runner.counters.loopLagP99Ms, threadCount),
  });
  if (report.generator?.saturated) {
    io.logger.log('warning', 'the load generator was saturated (CPU or event-loop lag): latency figures are suspect');
  }
  if (opts.json) {
    if (opts.json !== '-') mkdirSync(path.dirname(path.resolve(opts.json)), { recursive: true });
    await writeJsonReport(report, opts.json);
  }
  if (opts.csv) {
    mkdirSync(path.dirname(path.resolve(opts.csv)), { recursive: true });
    await writeCsvReports(opts.csv, { aggregate, durationS, startedAtMs: runner.startedAtWallMs });
  }
  if (interrupted) return EXIT.interrupted;
  if (opts.failOnError && aggregate.totals().failures > 0) return EXIT.failed;
  return EXIT.ok;
}

/** Saturation: a thread's event loop late by 50 ms at p99, or the process near all the cores it may use. */
function generatorFigures(cpuMaxPct: number, loopLagP99Ms: number, threads: number) {
  const usableCores = Math.min(threads + 1, os.availableParallelism());
  return {
    saturated: loopLagP99Ms > 50 || cpuMaxPct > 90 * usableCores,
    cpu_max_pct: Math.round(cpuMaxPct * 10) / 10,
    loop_lag_p99_ms: Math.round(loopLagP99Ms * 100) / 100,
  };
}
