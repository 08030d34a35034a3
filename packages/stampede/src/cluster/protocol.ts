/**
 * Messages between the master and its workers. Each is one stream entry whose single field `m` holds the JSON of
 * the message. StatsDelta is JSON-safe (histograms are compressed base64), so deltas travel as they are and the
 * master merges them exactly as it would a local thread's.
 */
import type { LogLevel } from '../logger.ts';
import type { ArrivalShare, ScenarioSnapshot, ThreadCounters, ThreadInit, ToThread } from '../runner/messages.ts';
import type { StatsDelta } from '../stats/types.ts';
import type { ArrivalScenarioPlan } from '../workload/scenarios.ts';

/** What a worker needs to load the script and run users like the master's local threads would. */
export interface WorkerInit extends Pick<ThreadInit, 'host' | 'tags' | 'excludeTags' | 'logLevel' | 'maxNames' | 'seed' | 'insecure' | 'setupData'> {
  type: 'init';
  /** sha256 (hex) of the bundle text stored under the run's `bundle` key. */
  bundleHash: string;
  /** The `stampede` module URL the master's bundle imports; workers rewrite it to their own copy. */
  stampedeEntry: string;
}

/** One user to start: ids are the master's, unique in the run; scenario and corrected as in a local spawn. */
export interface UserAssignment {
  userId: number;
  className: string;
  scenario?: string;
  corrected?: boolean;
  /** Tasks this user runs before it stops (iteration executors). */
  iterations?: number;
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
  /**
   * A new test on the same workers (the master's web UI): fresh user threads from the bundle already loaded, with
   * this host and seed (the rest as in `init`); the worker answers `ready` again.
   */
  | { type: 'reset'; host?: string; seed: number }
  | { type: 'spawn'; users: UserAssignment[] }
  /** As to a local thread (runner/messages.ts). */
  | Extract<ToThread, { type: 'stop-users' | 'snapshot' | 'stop' }>
  /** Start this worker's share of an arrival-rate scenario now (the plan as wirePlan() encodes it). */
  | { type: 'start-arrival'; plan: WireArrivalPlan; share: ArrivalShare; gracefulStopMs: number }
  | { type: 'quit' };

/** An arrival plan as JSON carries it: a stage without end (Infinity, not JSON) travels as null. */
export type WireArrivalPlan = Omit<ArrivalScenarioPlan, 'arrival'> & {
  arrival: { startRatePerS: number; stages: { durationMs: number | null; target: number }[] };
};

/** Encodes an arrival plan for the wire. */
export function wirePlan(plan: ArrivalScenarioPlan): WireArrivalPlan {
  const stages = plan.arrival.stages.map((s) => ({ durationMs: s.durationMs === Infinity ? null : s.durationMs, target: s.target }));
  return { ...plan, arrival: { startRatePerS: plan.arrival.startRatePerS, stages } };
}

/** Decodes an arrival plan from the wire. */
export function unwirePlan(plan: WireArrivalPlan): ArrivalScenarioPlan {
  const stages = plan.arrival.stages.map((s) => ({ durationMs: s.durationMs ?? Infinity, target: s.target }));
  return { ...plan, arrival: { startRatePerS: plan.arrival.startRatePerS, stages } };
}

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
  /** Every local thread's part of this worker's share of an arrival-rate scenario has finished. */
  | { type: 'arrival-done'; scenario: string }
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
