/**
 * Running a run's scenarios on a LocalRunner (main thread): each starts at its startTime; closed scenarios follow
 * their shape with their own pool, open ones run on the threads; when more than one scenario runs, each one's
 * statistics are also kept apart (runner.scenarioAggregates). Resolves when every scenario has finished.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { distributeUsers, type Distributable } from '../user/distribute.ts';
import { WorkloadError } from '../workload/errors.ts';
import type { ScenarioPlan } from '../workload/scenarios.ts';
import type { LocalRunner } from './local-runner.ts';
import { followShape } from './shape-driver.ts';

/** What runScenarios needs. */
export interface ScenarioRunOptions {
  runner: LocalRunner;
  plans: readonly ScenarioPlan[];
  /** The run's user classes (name, weight, fixedCount); scenarios pick among them by name. */
  classes: readonly Distributable[];
  clock: Clock;
  logger: Logger;
  /** Aborted when the run stops early (run time over, signal, threshold abort). */
  signal: AbortSignal;
  /** Default graceful stop of arrival-rate scenarios, ms. */
  stopTimeoutMs: number;
}

/** The classes a scenario runs; throws STAMPEDE_ERR_CONFIG_SCENARIO naming an unknown class. */
export function scenarioClasses<T extends Distributable>(classes: readonly T[], names: readonly string[] | undefined, scenario: string): T[] {
  if (names === undefined) return [...classes];
  return names.map((name) => {
    const cls = classes.find((c) => c.name === name);
    if (cls) return cls;
    throw new WorkloadError(
      'STAMPEDE_ERR_CONFIG_SCENARIO',
      `scenarios.${scenario}.userClasses names '${name}', which is not a user class of this run`,
      `use one of ${classes.map((c) => c.name).join(', ') || '(none)'} (USER_CLASS arguments narrow the choice)`,
    );
  });
}

/** Checks every scenario's class names before the run starts. */
export function checkScenarioClasses(plans: readonly ScenarioPlan[], classes: readonly Distributable[]): void {
  for (const p of plans) scenarioClasses(classes, p.userClasses, p.name);
}

/** The class of the i-th user of a pool of (about) `users` users over `classes`: weights and fixedCount honoured. */
function classOrder(classes: readonly Distributable[], users: number | undefined): (index: number) => string {
  const order = distributeUsers(classes, Math.max(1, users ?? 100)).order;
  const names = order.length ? order.map((c) => c.name) : classes.map((c) => c.name);
  return (i) => names[i % names.length]!;
}

async function runOne(plan: ScenarioPlan, o: ScenarioRunOptions, mixed: boolean): Promise<void> {
  const { runner, clock, signal } = o;
  await clock.sleep(plan.startMs, signal);
  if (signal.aborted) return;
  const classes = scenarioClasses(o.classes, plan.userClasses, plan.name);
  if (plan.kind === 'arrival') {
    const order = classOrder(classes, plan.maxUsers);
    const names = Array.from({ length: Math.max(1, plan.maxUsers) }, (_, i) => order(i));
    await runner.startArrival(plan, names, plan.gracefulStopMs ?? o.stopTimeoutMs);
    return;
  }
  const pool = runner.pool(plan.name, classOrder(classes, plan.peakUsers), mixed);
  pool.setClassForUser(classOrder(classes, plan.peakUsers));
  // An iteration scenario also ends when its last user has run its iterations: the shape only bounds its duration.
  const shapeStop = new AbortController();
  const onAbort = () => shapeStop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (plan.quota) {
    pool.setQuota(plan.quota);
    void pool.drained().then(onAbort);
  }
  await followShape(pool, plan.shape, {
    clock,
    logger: o.logger,
    signal: shapeStop.signal,
    scenario: plan.name,
    classOrder: (names) => classOrder(scenarioClasses(o.classes, names ?? plan.userClasses, plan.name), plan.peakUsers),
  });
  signal.removeEventListener('abort', onAbort);
  // The shape is over: its users finish their current task and stop.
  pool.setTarget(0, Infinity);
}

/** Starts the run (if not started) and its scenarios; resolves when all have finished or the signal aborted. */
export async function runScenarios(o: ScenarioRunOptions): Promise<void> {
  checkScenarioClasses(o.plans, o.classes);
  if (o.plans.length > 1) o.runner.trackScenarios(o.plans.map((p) => p.name));
  const mixed = o.plans.some((p) => p.kind === 'arrival') && o.plans.some((p) => p.kind === 'closed');
  if (o.runner.state === 'ready') o.runner.begin();
  await Promise.all(o.plans.map((p) => runOne(p, o, mixed)));
}
