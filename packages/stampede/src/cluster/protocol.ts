/**
 * Messages between the master and its workers. Each is one stream entry whose single field `m` holds the JSON of
 * the message. StatsDelta is JSON-safe (histograms are compressed base64), so deltas travel as they are and the
 * master merges them exactly as it would a local thread's.
 */
import type { LogLevel } from '../logger.ts';
import type { ScenarioSnapshot, ThreadCounters } from '../runner/messages.ts';
import type { StatsDelta } from '../stats/types.ts';

/** What a worker needs to load the script and run users like the master's local threads would. */
export interface WorkerInit {
  type: 'init';
  /** sha256 (hex) of the bundle text stored under the run's `bundle` key. */
  bundleHash: string;
  /** The `stampede` module URL the master's bundle imports; workers rewrite it to their own copy. */
  stampedeEntry: string;
  host?: string;
  tags?: string[];
  excludeTags?: string[];
  logLevel: LogLevel;
  maxNames: number;
  seed: number;
}

/** One user to start: ids are the master's, unique in the run; scenario and corrected as in a local spawn. */
export interface UserAssignment {
  userId: number;
  className: string;
  scenario?: string;
  corrected?: boolean;
}

/** One user thread's answer to a snapshot or stop request, as the thread sent it (merged as is by the master). */
export interface ThreadStats {
  delta: StatsDelta;
  counters: ThreadCounters;
  scenarios?: ScenarioSnapshot[];
}

/** Master → one worker. */
export type ToWorker =
  | WorkerInit
  | { type: 'spawn'; users: UserAssignment[] }
  | { type: 'stop-users'; userIds: number[] }
  | { type: 'snapshot'; seq: number }
  | { type: 'stop'; stopTimeoutMs: number }
  | { type: 'quit' };

/** What a worker is doing, as it reports it. */
export type WorkerRunState = 'joining' | 'ready' | 'running' | 'stopping' | 'stopped';

/** Resource use of a worker process. */
export interface WorkerResources {
  /** CPU of the whole process since the previous sample, in percent of the cores it may use (0–100). */
  cpuPct: number;
  rssBytes: number;
}

/** Worker → master; every message names its sender. */
export type FromWorker = { workerId: string } & (
  | { type: 'register'; host: string; pid: number; threads: number }
  | { type: 'ready'; bundleHash: string }
  | { type: 'init-error'; message: string }
  | ({ type: 'heartbeat'; state: WorkerRunState; users: number } & WorkerResources)
  /** Answer to `snapshot`: one entry per local thread (plus late ones from earlier seconds). */
  | { type: 'snapshot'; seq: number; stats: ThreadStats[]; users: number }
  | { type: 'stopped'; stats: ThreadStats[] }
  | { type: 'user-exited'; userId: number }
  | { type: 'log'; level: LogLevel; source: string; message: string; time: number }
  /** The worker leaves (signal or master gone) after stopping its users; carries what they recorded last. */
  | { type: 'bye'; reason: string; stats: ThreadStats[] }
);

/** Requests in a set of thread answers (for the per-worker figures of the report). */
export function requestsIn(stats: readonly ThreadStats[]): number {
  let n = 0;
  for (const s of stats) for (const e of s.delta.endpoints) n += e.requests;
  return n;
}

/** An answer with nothing in it (a tick that must still close). */
export function emptyStats(): ThreadStats {
  return { delta: { endpoints: [], errors: [], exceptions: [], checks: [] }, counters: { iterations: 0, late: 0, missed: 0, loopLagP99Ms: 0 } };
}
