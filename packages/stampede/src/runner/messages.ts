/** Messages between the runner (main thread) and its user threads. All structured-cloneable. */
import { levelEnabled, type Logger, type LogLevel } from '../logger.ts';
import type { StatsDelta } from '../stats/types.ts';
import type { ArrivalScenarioPlan } from '../workload/scenarios.ts';

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
  /** https: accept any certificate (--insecure). */
  insecure?: boolean;
  /** What the script's setup() returned, as JSON; absent without setup. */
  setupData?: string;
}

/** The scenario of users started without one (LocalRunner.start / setTarget). */
export const DEFAULT_SCENARIO = 'default';

/** This thread's part of an arrival-rate scenario: iterations k with k mod count = index. */
export interface ArrivalShare {
  index: number;
  count: number;
  /** Users this thread may pre-allocate and allocate at most. */
  preAllocatedUsers: number;
  maxUsers: number;
  maxQueued: number;
  /** Class name of this thread's j-th user. */
  classOrder: string[];
  /** User ids (seeds) of this thread's users: userIdBase + index + j × count. */
  userIdBase: number;
}

export type ToThread =
  /** `corrected`: also record latency as corrected (= service time) so mixed open/closed totals stay comparable. */
  | { type: 'spawn'; userId: number; className: string; scenario?: string; corrected?: boolean; iterations?: number }
  /** Stop these users gracefully (they finish their current task). */
  | { type: 'stop-users'; userIds: number[] }
  /** Start this thread's share of an open-model scenario now. */
  | { type: 'start-arrival'; plan: ArrivalScenarioPlan; share: ArrivalShare; gracefulStopMs: number }
  | { type: 'snapshot'; seq: number }
  /** Stop every user, wait up to stopTimeoutMs, abort what is left (recorded as interrupted), send 'stopped'. */
  | { type: 'stop'; stopTimeoutMs: number }
  | { type: 'close' };

/** Iteration counters of one scenario on one thread: deltas since the previous snapshot. */
export interface IterationCounters {
  /** Task iterations started. */
  iterations: number;
  /** Started after their intended time: constantPacing overruns, arrival-rate iterations that waited. */
  late: number;
  /** constantPacing/constantThroughput slots skipped by overruns. */
  missed: number;
  /** Arrival-rate iterations that could not start (no user, queue full, or the scenario ended first). */
  dropped: number;
}

/** Counters a thread reports with each snapshot: deltas since its previous snapshot, except loopLagP99Ms. */
export interface ThreadCounters {
  /** Task iterations started. */
  iterations: number;
  /** Iterations started late (see IterationCounters). */
  late: number;
  /** constantPacing/constantThroughput slots skipped by overruns. */
  missed: number;
  /** Arrival-rate iterations that could not start (absent from producers that predate the open model: 0). */
  dropped?: number;
  /** p99 event-loop delay of this thread since it started, in ms (saturation signal). */
  loopLagP99Ms: number;
}

/** One scenario's part of a thread snapshot. */
export interface ScenarioSnapshot {
  scenario: string;
  delta: StatsDelta;
  counters: IterationCounters;
  /** Users of this scenario alive on the thread now. */
  users: number;
}

/**
 * `delta` and `counters` are the thread's totals over every scenario (one delta may list an endpoint more than
 * once; Aggregate.merge adds them up); `scenarios` splits the same figures by scenario.
 */
export type FromThread =
  | { type: 'ready'; threadId: number }
  | { type: 'init-error'; threadId: number; message: string }
  | {
      type: 'snapshot';
      threadId: number;
      seq: number;
      delta: StatsDelta;
      users: number;
      counters: ThreadCounters;
      scenarios?: ScenarioSnapshot[];
    }
  | { type: 'log'; level: LogLevel; source: string; message: string; time: number }
  | { type: 'user-exited'; threadId: number; userId: number }
  /** This thread's share of an arrival-rate scenario has finished (schedule over, iterations done or aborted). */
  | { type: 'arrival-done'; threadId: number; scenario: string }
  | { type: 'stopped'; threadId: number; delta: StatsDelta; counters: ThreadCounters; scenarios?: ScenarioSnapshot[] };

/** The thread totals of per-scenario snapshots: deltas listed together, counters summed. */
export function combineSnapshots(scenarios: readonly ScenarioSnapshot[], loopLagP99Ms: number): { delta: StatsDelta; counters: ThreadCounters; users: number } {
  if (scenarios.length === 1) {
    const s = scenarios[0]!;
    return { delta: s.delta, counters: { ...s.counters, loopLagP99Ms }, users: s.users };
  }
  const delta: StatsDelta = { endpoints: [], errors: [], exceptions: [], checks: [] };
  const counters: ThreadCounters = { iterations: 0, late: 0, missed: 0, dropped: 0, loopLagP99Ms };
  let users = 0;
  for (const s of scenarios) {
    delta.endpoints.push(...s.delta.endpoints);
    delta.errors.push(...s.delta.errors);
    delta.exceptions.push(...s.delta.exceptions);
    delta.checks.push(...s.delta.checks);
    if (s.delta.metrics) (delta.metrics ??= []).push(...s.delta.metrics);
    if (s.delta.taggedEndpoints) (delta.taggedEndpoints ??= []).push(...s.delta.taggedEndpoints);
    counters.iterations += s.counters.iterations;
    counters.late += s.counters.late;
    counters.missed += s.counters.missed;
    counters.dropped! += s.counters.dropped;
    users += s.users;
  }
  return { delta, counters, users };
}

/** Fresh zero counters. */
export function zeroCounters(): IterationCounters {
  return { iterations: 0, late: 0, missed: 0, dropped: 0 };
}

/** A user thread's logger: lines at `threshold` or above go to the main thread as 'log' messages. */
export function threadLogger(threshold: LogLevel, send: (m: FromThread) => void, wallNow: () => number): Logger {
  return {
    log: (level, message, source = 'stampede') => {
      if (levelEnabled(level, threshold)) send({ type: 'log', level, source, message, time: wallNow() });
    },
  };
}
