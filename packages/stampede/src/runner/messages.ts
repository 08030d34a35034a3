/** Messages between the runner (main thread) and its user threads. All structured-cloneable. */
import type { LogLevel } from '../logger.ts';
import type { StatsDelta } from '../stats/types.ts';

/** What a user thread needs to load the script and run users. */
export interface ThreadInit {
  threadId: number;
  /** Built ES module of the user script (absolute path), or absent for in-process classes. */
  bundlePath?: string;
  host?: string;
  tags?: string[];
  excludeTags?: string[];
  logLevel: LogLevel;
  maxNames: number;
  seed: number;
}

export type ToThread =
  | { type: 'spawn'; userId: number; className: string }
  /** Stop these users gracefully (they finish their current task). */
  | { type: 'stop-users'; userIds: number[] }
  | { type: 'snapshot'; seq: number }
  /** Stop every user, wait up to stopTimeoutMs, abort what is left (recorded as interrupted), send 'stopped'. */
  | { type: 'stop'; stopTimeoutMs: number }
  | { type: 'close' };

/** Counters a thread reports with each snapshot: deltas since its previous snapshot, except loopLagP99Ms. */
export interface ThreadCounters {
  /** Task iterations started. */
  iterations: number;
  /** constantPacing/constantThroughput iterations started late, and whole slots missed. */
  late: number;
  missed: number;
  /** p99 event-loop delay of this thread since it started, in ms (saturation signal). */
  loopLagP99Ms: number;
}

export type FromThread =
  | { type: 'ready'; threadId: number }
  | { type: 'init-error'; threadId: number; message: string }
  | { type: 'snapshot'; threadId: number; seq: number; delta: StatsDelta; users: number; counters: ThreadCounters }
  | { type: 'log'; level: LogLevel; source: string; message: string; time: number }
  | { type: 'user-exited'; threadId: number; userId: number }
  | { type: 'stopped'; threadId: number; delta: StatsDelta; counters: ThreadCounters };
