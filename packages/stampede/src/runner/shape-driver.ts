/**
 * Following a load shape with a closed pool: the shape is evaluated at every whole second of scenario time and at
 * every change point it announces, on its own timer (never waiting for spawning to finish: a new target simply
 * restarts the ramp from the current count), and a changed answer is applied at once. Ends when the shape answers
 * null, throws (logged), or the signal aborts.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { errorMessage } from '../user/errors.ts';
import { checkShapeTick, type LoadShape, type ShapeTick } from '../workload/load-shape.ts';
import type { ClosedPool } from './closed-pool.ts';

/** What followShape needs besides the pool and the shape. */
export interface ShapeDriverOptions {
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  /** The class order for a tick's `userClasses` (undefined: the scenario's classes). */
  classOrder(userClasses: string[] | undefined): (index: number) => string;
  /** Names the scenario in log lines. */
  scenario: string;
}

function sameTick(a: ShapeTick | undefined, b: ShapeTick): boolean {
  return a !== undefined && a.users === b.users && a.spawnRate === b.spawnRate && String(a.userClasses) === String(b.userClasses);
}

/** Evaluates the shape; undefined when it threw or answered nonsense (logged). */
function evaluate(shape: LoadShape, runTimeS: number, o: ShapeDriverOptions): ShapeTick | null | undefined {
  try {
    return checkShapeTick(shape.tick(runTimeS), `the load shape of scenario ${o.scenario}`);
  } catch (error) {
    o.logger.log('error', `scenario ${o.scenario}: the load shape failed at ${runTimeS}s, ending the scenario: ${errorMessage(error)}`);
    return undefined;
  }
}

/** Follows `shape` with `pool` until it answers null. Resolves then; the caller stops the pool's users. */
export async function followShape(pool: ClosedPool, shape: LoadShape, o: ShapeDriverOptions): Promise<void> {
  const startMs = o.clock.now();
  let last: ShapeTick | undefined;
  for (let runTimeS = 0; !o.signal.aborted; ) {
    await o.clock.sleep(startMs + runTimeS * 1000 - o.clock.now(), o.signal);
    if (o.signal.aborted) return;
    const tick = evaluate(shape, runTimeS, o);
    if (!tick) return;
    if (!sameTick(last, tick)) {
      if (String(last?.userClasses) !== String(tick.userClasses)) pool.setClassForUser(o.classOrder(tick.userClasses));
      pool.setTarget(tick.users, tick.spawnRate);
      last = tick;
    }
    const change = shape.nextChangeS?.(runTimeS);
    const nextSecond = Math.floor(runTimeS + 1e-9) + 1;
    runTimeS = change !== undefined && change > runTimeS && change < nextSecond ? change : nextSecond;
  }
}
