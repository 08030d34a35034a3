/**
 * A closed-model load of user classes for suite workloads, on the engine's LocalRunner: users ramp at the spawn
 * rate, run for the duration, then stop gracefully. In-process user threads by default (the classes the suite
 * imported); with `script`, worker threads load that file like `stampede -f` does.
 */
import os from 'node:os';
import { systemClock, type Clock } from '../clock.ts';
import { silentLogger, type Logger } from '../logger.ts';
import { InProcessUserThread } from '../runner/in-process-thread.ts';
import { LocalRunner } from '../runner/local-runner.ts';
import { WorkerUserThread, type UserThread } from '../runner/user-thread.ts';
import { Aggregate } from '../stats/aggregate.ts';
import { distributeUsers } from '../user/distribute.ts';
import { loadScript } from '../user/load-script.ts';
import type { UserClass } from '../user/user.ts';
import type { LiveLoad, LoadResult } from './load-result.ts';

/** Options of runUserLoad. */
export interface UserLoadOptions {
  /** Base URL of the target (the users' `--host`). */
  host: string;
  /** The classes to run, weighted as the runner does. */
  userClasses: UserClass[];
  users: number;
  /** Users started per second (default: all within one second). */
  spawnRate?: number;
  durationS: number;
  /** Grace for tasks in flight at the end, s (default 5). */
  stopTimeoutS?: number;
  /** Run on worker threads loading this script (absolute or cwd-relative); default: in-process, one thread. */
  script?: string;
  /** Worker threads with `script` (default os.availableParallelism() − 1, at least 1). */
  threads?: number;
  clock?: Clock;
  logger?: Logger;
  seed?: number;
  signal?: AbortSignal;
  onStart?: (live: LiveLoad) => void;
}

async function createThreads(o: UserLoadOptions, clock: Clock): Promise<{ threads: UserThread[]; dispose: () => void }> {
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  const init = (threadId: number) => ({ threadId, host: o.host, logLevel: 'info' as const, maxNames: 2000, seed });
  if (!o.script) return { threads: [new InProcessUserThread(init(0), o.userClasses, clock)], dispose: () => {} };
  const script = await loadScript(o.script, { keepBundle: true, picks: o.userClasses.map((c) => c.name) });
  const count = Math.max(1, Math.min(o.users, o.threads ?? os.availableParallelism() - 1));
  const threads = Array.from({ length: count }, (_, i) => new WorkerUserThread({ ...init(i), bundlePath: script.bundlePath }));
  return { threads, dispose: script.dispose };
}

/** Runs the users for the duration and returns the load's Aggregate. */
export async function runUserLoad(o: UserLoadOptions): Promise<LoadResult> {
  const clock = o.clock ?? systemClock;
  const logger = o.logger ?? silentLogger;
  const aggregate = new Aggregate({ onWarning: (m) => logger.log('warning', m) });
  const { threads, dispose } = await createThreads(o, clock);
  const order = distributeUsers(o.userClasses, Math.max(1, o.users)).order;
  const runner = new LocalRunner({ threads, aggregate, clock, logger, classForUser: (i) => order[i % order.length]!.name });
  runner.on('log', (m: { level: 'info'; message: string; source?: string }) => logger.log(m.level, m.message, m.source));
  try {
    await runner.waitReady();
    runner.start(o.users, o.spawnRate ?? Math.max(1, o.users));
    o.onStart?.({ requests: () => aggregate.totals().requests });
    await clock.sleep(o.durationS * 1000, o.signal);
    await runner.stop((o.stopTimeoutS ?? 5) * 1000);
  } finally {
    await runner.close();
    dispose();
  }
  return {
    aggregate,
    startedAtWallMs: runner.startedAtWallMs,
    endedAtWallMs: clock.wallNow(),
    durationS: runner.elapsedS(),
    config: { host: o.host, users: o.users, spawn_rate: o.spawnRate ?? Math.max(1, o.users), run_time_s: o.durationS, user_classes: o.userClasses.map((c) => c.name), model: 'closed' },
    loopLagP99Ms: runner.counters.loopLagP99Ms,
    threads: o.script ? threads.length : 0,
  };
}
