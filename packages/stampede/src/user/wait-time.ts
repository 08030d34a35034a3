/**
 * Wait times between tasks, in seconds like Locust: `between`, `constant`, `constantPacing`,
 * `constantThroughput`. A wait time is either a plain function of a {@link WaitContext} (stateless),
 * or a factory whose `createTimer()` gives each user (or task set instance) its own stateful timer.
 */
import { StampedeUserError } from './errors.ts';
import type { RandomSource } from './random.ts';

/** Counters of pacing misses, shared by the user's timers (and by the runner when it passes its own). */
export interface PacingCounters {
  /** Iterations that started after their scheduled slot because the previous task overran. */
  late: number;
  /** Whole intervals skipped by overruns (slots in which no iteration could start). */
  missed: number;
}

/** What a wait-time function sees after each task. Times on the engine clock, in ms. */
export interface WaitContext {
  /** Now, when the task has just ended. */
  readonly nowMs: number;
  /** When the task that just ended started. */
  readonly taskStartMs: number;
  /** The user's seeded random source. */
  readonly random: RandomSource;
  /** Where pacing timers count late and missed iterations. */
  readonly pacing: PacingCounters;
}

/** A stateless wait time: seconds to wait after a task. */
export type WaitTimeFunction = (context: WaitContext) => number;

/** A stateful wait time: each owner (user, task set instance) gets its own timer. */
export interface WaitTimeFactory {
  createTimer(): WaitTimeFunction;
}

/** What `static waitTime` accepts. */
export type WaitTime = WaitTimeFunction | WaitTimeFactory;

function checkSeconds(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new StampedeUserError(
      'STAMPEDE_ERR_WAIT_TIME',
      `${name}: expected a finite number of seconds >= 0, got ${String(value)}`,
      'wait times are in seconds, like Locust: between(1, 5), constant(2), constantPacing(10)',
    );
  }
}

/** A uniformly random wait of `minS` to `maxS` seconds (from the user's seeded random source). */
export function between(minS: number, maxS: number): WaitTimeFunction {
  checkSeconds('between(min)', minS);
  checkSeconds('between(max)', maxS);
  if (maxS < minS) {
    throw new StampedeUserError('STAMPEDE_ERR_WAIT_TIME', `between(${minS}, ${maxS}): min is larger than max`);
  }
  return (ctx) => minS + ctx.random() * (maxS - minS);
}

/** Always wait `seconds` after each task. */
export function constant(seconds: number): WaitTimeFunction {
  checkSeconds('constant', seconds);
  return () => seconds;
}

/**
 * Start tasks every `intervalS` seconds, start to start (Locust's constant_pacing), on a fixed grid so timer
 * jitter does not accumulate. When a task overruns its slot the next one starts at once, the grid restarts
 * from that start, and the overrun is counted in `pacing.late` (and whole skipped slots in `pacing.missed`):
 * never silently lost.
 */
export function constantPacing(intervalS: number): WaitTimeFactory {
  checkSeconds('constantPacing', intervalS);
  if (intervalS === 0) {
    throw new StampedeUserError('STAMPEDE_ERR_WAIT_TIME', 'constantPacing(0): the interval must be > 0');
  }
  const intervalMs = intervalS * 1000;
  return {
    createTimer(): WaitTimeFunction {
      let scheduledMs: number | undefined;
      return (ctx) => {
        const targetMs = (scheduledMs ?? ctx.taskStartMs) + intervalMs;
        if (ctx.nowMs <= targetMs) {
          scheduledMs = targetMs;
          return (targetMs - ctx.nowMs) / 1000;
        }
        ctx.pacing.late += 1;
        ctx.pacing.missed += Math.floor((ctx.nowMs - targetMs) / intervalMs);
        scheduledMs = ctx.nowMs;
        return 0;
      };
    },
  };
}

/** At most `perSecond` task starts per second per user: `constantPacing(1 / perSecond)`. */
export function constantThroughput(perSecond: number): WaitTimeFactory {
  if (!Number.isFinite(perSecond) || perSecond <= 0) {
    throw new StampedeUserError('STAMPEDE_ERR_WAIT_TIME', `constantThroughput(${perSecond}): expected a rate > 0`);
  }
  return constantPacing(1 / perSecond);
}

/** A timer for one owner: a fresh one from a factory, or the function itself. */
export function createWaitTimer(waitTime: WaitTime): WaitTimeFunction {
  if (typeof waitTime === 'function') return waitTime;
  if (waitTime && typeof waitTime.createTimer === 'function') return waitTime.createTimer();
  throw new StampedeUserError(
    'STAMPEDE_ERR_WAIT_TIME',
    `waitTime must be a function or a wait-time factory, got ${typeof waitTime}`,
    'use between(min, max), constant(s), constantPacing(s) or constantThroughput(n)',
  );
}
