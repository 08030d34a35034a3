/**
 * Scenarios: several workloads in one run, each with its own user classes and model (k6's scenarios, Locust's user
 * model). Script- and config-facing types, and their validation into plans the runner executes.
 *
 * Open model (`constantArrivalRate`, `rampingArrivalRate`): iterations start on a schedule whatever the target's
 * latency; each iteration is one task on a free user. Closed model (`constantUsers`, `rampingUsers`, `shape`): a
 * number of users loop over their tasks with their wait times.
 */
import { constantPlan, type ArrivalPlan } from './arrival-schedule.ts';
import { parseDurationMs, type Duration } from './duration.ts';
import { WorkloadError } from './errors.ts';
import { stagesShape, toLoadShape, type LoadShape, type LoadShapeLike } from './load-shape.ts';
import { normalizeStages, stagesPeak, type Stage } from './stages.ts';

/** Options every scenario has. */
export interface ScenarioBase {
  /** Names of the user classes this scenario runs (weights apply among them); default: every selected class. */
  userClasses?: string[];
  /** When the scenario starts, after the run starts (default 0). */
  startTime?: Duration;
  /** Open model: how long iterations in flight may finish after the schedule ends (default: --stop-timeout). */
  gracefulStop?: Duration;
}

/** What an open-model scenario does when every user is busy and `maxUsers` are allocated. */
export type WhenBusy = 'queue' | 'drop';

/** Options shared by the arrival-rate executors. */
export interface ArrivalRateBase extends ScenarioBase {
  /** Period the rates are per (default 1s): `rate: 30, timeUnit: '1m'` is 0.5 iterations per second. */
  timeUnit?: Duration;
  /** Users created (and started: onStart) before the first iteration. */
  preAllocatedUsers: number;
  /** Users may be added up to this many when all are busy (default: preAllocatedUsers). */
  maxUsers?: number;
  /**
   * With every user busy and none left to add: `queue` (default) starts the iteration on the next free user, late,
   * its latency still measured from its intended start; `drop` counts it dropped at once (k6's behaviour).
   */
  whenBusy?: WhenBusy;
  /** Iterations waiting for a user, at most (default 10,000); beyond it they are dropped. */
  maxQueued?: number;
}

/** A fixed number of iterations per time unit. */
export interface ConstantArrivalRateScenario extends ArrivalRateBase {
  executor: 'constantArrivalRate';
  /** Iterations per time unit. */
  rate: number;
  /** How long (default: until the run stops). */
  duration?: Duration;
}

/** Iterations per time unit ramped linearly through stages (targets are rates). */
export interface RampingArrivalRateScenario extends ArrivalRateBase {
  executor: 'rampingArrivalRate';
  /** Rate at the start (default 0). */
  startRate?: number;
  stages: Stage[];
}

/** A fixed number of users, ramped up at spawnRate (Locust's -u/-r). */
export interface ConstantUsersScenario extends ScenarioBase {
  executor: 'constantUsers';
  users: number;
  /** Users started per second (default: all at once). */
  spawnRate?: number;
  /** How long (default: until the run stops). */
  duration?: Duration;
}

/** Users ramped linearly through stages (targets are user counts). */
export interface RampingUsersScenario extends ScenarioBase {
  executor: 'rampingUsers';
  /** Users at the start (default 0). */
  startUsers?: number;
  stages: Stage[];
}

/** Each of `users` users runs `iterations` tasks, then stops; the scenario ends when all have (k6's per-vu-iterations). */
export interface PerUserIterationsScenario extends ScenarioBase {
  executor: 'perUserIterations';
  users: number;
  /** Tasks each user runs. */
  iterations: number;
  /** The scenario ends by then even if iterations are left (default 10m). */
  maxDuration?: Duration;
}

/**
 * `iterations` tasks in total over `users` users, then the scenario ends (k6's shared-iterations). The iterations are
 * split evenly up front (user i runs ⌊iterations / users⌋, one more for the first iterations mod users), so the
 * total is exact on any number of threads and workers.
 */
export interface SharedIterationsScenario extends ScenarioBase {
  executor: 'sharedIterations';
  users: number;
  /** Tasks in total. */
  iterations: number;
  /** The scenario ends by then even if iterations are left (default 10m). */
  maxDuration?: Duration;
}

/** A custom load shape, evaluated every second. */
export interface ShapeScenario extends ScenarioBase {
  executor: 'shape';
  shape: LoadShapeLike;
  /** The most users the shape will ask for (sizes the user threads; default: --users). */
  maxUsers?: number;
}

/** One scenario as written in `options.scenarios` or the config file. */
export type ScenarioOptions =
  | ConstantArrivalRateScenario
  | RampingArrivalRateScenario
  | ConstantUsersScenario
  | RampingUsersScenario
  | PerUserIterationsScenario
  | SharedIterationsScenario
  | ShapeScenario;

/** Scenarios by name. */
export type Scenarios = Record<string, ScenarioOptions>;

interface PlanBase {
  name: string;
  executor: ScenarioOptions['executor'];
  /** Delay after the run start, ms. */
  startMs: number;
  /** User class names; undefined: every selected class. */
  userClasses?: string[];
}

/** An open-model scenario, ready for the runner (plain data: it crosses to user threads). */
export interface ArrivalScenarioPlan extends PlanBase {
  kind: 'arrival';
  arrival: ArrivalPlan;
  preAllocatedUsers: number;
  maxUsers: number;
  whenBusy: WhenBusy;
  maxQueued: number;
  /** ms; undefined: the run's stop timeout. */
  gracefulStopMs?: number;
}

/** A closed-model scenario: a shape the runner follows. */
export interface ClosedScenarioPlan extends PlanBase {
  kind: 'closed';
  shape: LoadShape;
  /** Most users it will run; undefined when a custom shape does not say. */
  peakUsers?: number;
  /** Iteration executors: the tasks the user in place `slot` runs before it stops; the scenario ends when all have. */
  quota?: (slot: number) => number;
}

export type ScenarioPlan = ArrivalScenarioPlan | ClosedScenarioPlan;

function fail(message: string, hint?: string): never {
  throw new WorkloadError('STAMPEDE_ERR_CONFIG_SCENARIO', message, hint);
}

function count(value: unknown, what: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`${what} must be a whole number ≥ ${min}, got '${String(value)}'`);
  return n;
}

function rate(value: unknown, what: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`${what} must be a number ≥ 0, got '${String(value)}'`);
  return n;
}

function arrivalPlan(name: string, s: ConstantArrivalRateScenario | RampingArrivalRateScenario, base: PlanBase): ArrivalScenarioPlan {
  const w = `scenarios.${name}`;
  const unitS = parseDurationMs(s.timeUnit ?? 1, `${w}.timeUnit`) / 1000;
  if (!(unitS > 0)) fail(`${w}.timeUnit must be > 0`);
  let arrival: ArrivalPlan;
  if (s.executor === 'constantArrivalRate') {
    const durationMs = s.duration === undefined ? Infinity : parseDurationMs(s.duration, `${w}.duration`);
    arrival = constantPlan(rate(s.rate, `${w}.rate`) / unitS, durationMs);
  } else {
    const stages = normalizeStages(s.stages, `${w}.stages`).map((st) => ({ ...st, target: st.target / unitS }));
    arrival = { startRatePerS: rate(s.startRate ?? 0, `${w}.startRate`) / unitS, stages };
  }
  const preAllocatedUsers = count(s.preAllocatedUsers, `${w}.preAllocatedUsers`, 1);
  const maxUsers = count(s.maxUsers ?? preAllocatedUsers, `${w}.maxUsers`, preAllocatedUsers);
  const whenBusy = s.whenBusy ?? 'queue';
  if (whenBusy !== 'queue' && whenBusy !== 'drop') fail(`${w}.whenBusy must be 'queue' or 'drop'`);
  return {
    ...base,
    kind: 'arrival',
    arrival,
    preAllocatedUsers,
    maxUsers,
    whenBusy,
    maxQueued: count(s.maxQueued ?? 10_000, `${w}.maxQueued`),
    gracefulStopMs: s.gracefulStop === undefined ? undefined : parseDurationMs(s.gracefulStop, `${w}.gracefulStop`),
  };
}

/** k6's default maxDuration of its iteration executors. */
const DEFAULT_MAX_DURATION = '10m';

function iterationsPlan(name: string, s: PerUserIterationsScenario | SharedIterationsScenario, base: PlanBase): ClosedScenarioPlan {
  const w = `scenarios.${name}`;
  const users = count(s.users, `${w}.users`, 1);
  const iterations = count(s.iterations, `${w}.iterations`, 1);
  const endMs = parseDurationMs(s.maxDuration ?? DEFAULT_MAX_DURATION, `${w}.maxDuration`);
  const shape: LoadShape = {
    tick: (t) => (t * 1000 < endMs ? { users, spawnRate: Infinity } : null),
    nextChangeS: (t) => (t * 1000 < endMs ? endMs / 1000 : undefined),
  };
  const quota =
    s.executor === 'perUserIterations'
      ? () => iterations
      : (slot: number) => Math.floor(iterations / users) + (slot % users < iterations % users ? 1 : 0);
  return { ...base, kind: 'closed', shape, peakUsers: users, quota };
}

function closedPlan(name: string, s: ConstantUsersScenario | RampingUsersScenario | ShapeScenario, base: PlanBase): ClosedScenarioPlan {
  const w = `scenarios.${name}`;
  if (s.executor === 'rampingUsers') {
    const stages = normalizeStages(s.stages, `${w}.stages`);
    const startUsers = count(s.startUsers ?? 0, `${w}.startUsers`);
    return { ...base, kind: 'closed', shape: stagesShape(stages, startUsers), peakUsers: stagesPeak(stages, startUsers) };
  }
  if (s.executor === 'constantUsers') {
    const users = count(s.users, `${w}.users`);
    const spawnRate = s.spawnRate === undefined ? Infinity : rate(s.spawnRate, `${w}.spawnRate`);
    const endMs = s.duration === undefined ? Infinity : parseDurationMs(s.duration, `${w}.duration`);
    const shape: LoadShape = {
      tick: (t) => (t * 1000 < endMs ? { users, spawnRate } : null),
      nextChangeS: (t) => (t * 1000 < endMs && endMs !== Infinity ? endMs / 1000 : undefined),
    };
    return { ...base, kind: 'closed', shape, peakUsers: users };
  }
  const peakUsers = s.maxUsers === undefined ? undefined : count(s.maxUsers, `${w}.maxUsers`, 1);
  return { ...base, kind: 'closed', shape: toLoadShape(s.shape, `${w}.shape`), peakUsers };
}

const EXECUTORS = ['constantArrivalRate', 'rampingArrivalRate', 'constantUsers', 'rampingUsers', 'perUserIterations', 'sharedIterations', 'shape'] as const;

/** Validates scenarios into plans (in declaration order). Throws WorkloadError (exit 2 from the CLI). */
export function normalizeScenarios(scenarios: Scenarios): ScenarioPlan[] {
  if (!scenarios || typeof scenarios !== 'object') fail('scenarios must be an object of name → scenario');
  const names = Object.keys(scenarios);
  if (names.length === 0) fail('scenarios is empty', 'define at least one scenario, or leave scenarios out');
  return names.map((name) => {
    const s = scenarios[name]!;
    if (!EXECUTORS.includes(s?.executor)) {
      fail(`scenarios.${name}.executor '${String(s?.executor)}' is unknown`, `use one of ${EXECUTORS.join(', ')}`);
    }
    const userClasses = s.userClasses === undefined ? undefined : [...s.userClasses];
    const base: PlanBase = { name, executor: s.executor, startMs: parseDurationMs(s.startTime ?? 0, `scenarios.${name}.startTime`), userClasses };
    if (s.executor === 'constantArrivalRate' || s.executor === 'rampingArrivalRate') return arrivalPlan(name, s, base);
    if (s.executor === 'perUserIterations' || s.executor === 'sharedIterations') return iterationsPlan(name, s, base);
    return closedPlan(name, s, base);
  });
}

/** The most users a plan may run (threads are sized from it); undefined when a shape does not say. */
export function peakUsersOf(plan: ScenarioPlan): number | undefined {
  return plan.kind === 'arrival' ? plan.maxUsers : plan.peakUsers;
}
