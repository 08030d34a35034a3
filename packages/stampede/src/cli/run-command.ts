/**
 * `stampede -f FILE --headless ...`: load the script, run the users on worker threads, print progress,
 * write the reports, and choose the exit code (contract: ARCHITECTURE.md).
 */
import { systemClock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { finalTables, liveLine } from './console-output.ts';
import { UsageError } from './errors.ts';
import type { RunOptions } from './options.ts';
import { buildRunReport, createRun, prepareScript, unreachableTarget, writeRunReports } from './prepared-run.ts';

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

  const script = await prepareScript(opts, io);
  try {
    const unreachable = await unreachableTarget(script.hosts);
    if (unreachable) {
      io.logger.log('error', unreachable);
      return EXIT.aborted;
    }
    return await runTest(opts, io, await createRun(opts, io, script, opts.users));
  } finally {
    script.dispose();
  }
}

async function runTest(opts: RunOptions, io: RunIo, run: Awaited<ReturnType<typeof createRun>>): Promise<number> {
  const clock = systemClock;
  const { runner, aggregate } = run;
  let interrupted = false;
  const stopped = new Promise<void>((resolve) => {
    io.onSignal(() => {
      interrupted = true;
      io.logger.log('warning', `interrupted: stopping (up to ${opts.stopTimeoutS}s for tasks in flight), writing reports`);
      resolve();
    });
    if (opts.runTimeS !== undefined) void clock.sleep(opts.runTimeS * 1000).then(() => resolve());
  });

  io.logger.log('info', `starting ${opts.users} users at ${opts.spawnRate}/s on ${run.threadCount} threads${opts.runTimeS ? `, for ${opts.runTimeS}s` : ''}`);
  runner.start(opts.users, opts.spawnRate);
  let ticks = 0;
  runner.on('tick', ({ users }: { users: number }) => {
    run.cpu.sample();
    if (++ticks % 2 === 0 && !opts.onlySummary) io.out(liveLine(aggregate, runner.elapsedS(), users));
  });
  await stopped;
  await runner.stop(opts.stopTimeoutS * 1000);
  const endedAt = clock.wallNow();
  const durationS = runner.elapsedS();
  await runner.close();

  io.out('');
  io.out(finalTables(aggregate, durationS));
  const report = buildRunReport(opts, run, { endedAt, durationS, partial: interrupted, users: opts.users, spawnRate: opts.spawnRate });
  if (report.generator?.saturated) {
    io.logger.log('warning', 'the load generator was saturated (CPU or event-loop lag): latency figures are suspect');
  }
  await writeRunReports(opts, run, report, durationS);
  if (interrupted) return EXIT.interrupted;
  if (opts.failOnError && aggregate.totals().failures > 0) return EXIT.failed;
  return EXIT.ok;
}
