/**
 * The per-user loop, engine side: pure and clock-driven (no wall clock, no process). `runUser` is the closed
 * model (onStart, then task → flush → wait until stopped, then onStop). `createUserInstance` + `startUser` +
 * `runOneTask` + `stopUser` let an arrival-rate executor run one task per iteration with no wait.
 *
 * Error policy: an exception in a task is recorded (`recorder.recordException`) and the user goes on after its
 * wait. An exception in `onStart` is recorded and stops that user without running tasks or `onStop` (as Locust
 * does); `StopUser` thrown from `onStart` or a task stops the user and `onStop` runs. `runUser` never rejects.
 */
import type { Clock } from '../clock.ts';
import type { HttpSession } from '../http/types.ts';
import type { Logger } from '../logger.ts';
import type { Recorder } from '../stats/recorder.ts';
import { StopLatch, type AbortLike } from '../stop-latch.ts';
import { InterruptTaskSet, StampedeUserError, StopUser, errorMessage, isRecorded } from './errors.ts';
import { withMetricRecorder } from './metrics.ts';
import type { RandomSource } from './random.ts';
import { compileTaskPlan, pickWeighted, type PlanEntry, type TagFilter, type TaskPlan } from './task-plan.ts';
import { TaskSet } from './task-set.ts';
import { resolveHost, type User, type UserClass, type UserEnvironment } from './user.ts';
import { createWaitTimer, type PacingCounters, type WaitTimeFunction } from './wait-time.ts';

/** What the runner gives one user. */
export interface RunUserContext {
  clock: Clock;
  logger: Logger;
  recorder: Recorder;
  /** This user's HTTP session (required for HttpUser classes). */
  session?: HttpSession;
  /** `--host`; when absent the class's `static host` applies. */
  host?: string;
  /** Abort to stop the user: it finishes its current task (the runner enforces --stop-timeout), then onStop. */
  signal: AbortLike;
  /** This user's seeded random source (see createRandom / userSeed). */
  rng: RandomSource;
  tagFilter?: TagFilter;
  /** 0-based index in spawn order (default 0). */
  userIndex?: number;
  /** Called as each task starts (hook for the open model and iteration counts). */
  onIteration?(info: IterationInfo): void;
  /** Where pacing misses are counted; pass one object to aggregate many users (default: per user). */
  pacing?: PacingCounters;
  /** What the script's setup() returned (read-only). */
  setupData?: unknown;
  /** runUser: stop after this many tasks (iteration executors); default: until the signal aborts. */
  maxIterations?: number;
}

/** One task start. */
export interface IterationInfo {
  userIndex: number;
  userClass: string;
  task: string;
  /** Engine clock, ms. */
  startMs: number;
}

/** How one `runOneTask` ended. `interrupted`: a task set was left (or failed to start). */
export type TaskOutcome = 'ok' | 'failed' | 'interrupted' | 'stopped';

/** One level of the task-set stack: the user at the bottom, entered task sets above. */
export interface Frame {
  holder: User | TaskSet;
  plan: TaskPlan;
  timer: WaitTimeFunction;
  cursor: number;
}

/** The result of one `UserInstance.step()`: its outcome and whose wait applies next. */
export interface StepResult {
  outcome: TaskOutcome;
  /** Whose wait time applies next, measured from taskStartMs; absent → no wait. */
  wait?: { frame: Frame; taskStartMs: number };
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One live simulated user: its instance, its task-set stack and its stop signal. */
export class UserInstance {
  readonly user: User;
  readonly userClass: UserClass;
  /** Aborted when the run stops this user or the user calls `stop()`. */
  readonly signal: AbortLike;
  readonly pacing: PacingCounters;
  readonly #ctx: RunUserContext;
  readonly #stack: Frame[];
  readonly #stopper = new StopLatch();
  readonly #unlink: () => void;

  /** @internal use createUserInstance */
  constructor(userClass: UserClass, ctx: RunUserContext) {
    const plan = compileTaskPlan(userClass, ctx.tagFilter);
    if (plan.entries.length === 0) {
      throw new StampedeUserError('STAMPEDE_ERR_NO_TASKS', `${userClass.name} has no task left after the tag filter`);
    }
    this.userClass = userClass;
    this.#ctx = ctx;
    this.pacing = ctx.pacing ?? { late: 0, missed: 0 };
    // Not AbortSignal.any: dependents of a long-lived run signal have leaked in Node 20; we unlink in stop().
    this.signal = this.#stopper;
    const stopper = this.#stopper;
    const environment: UserEnvironment = {
      host: resolveHost(userClass, ctx.host),
      userIndex: ctx.userIndex ?? 0,
      get signal() {
        return stopper.signal;
      },
      clock: ctx.clock,
      random: ctx.rng,
      logger: ctx.logger,
      recorder: ctx.recorder,
      session: ctx.session,
      setupData: ctx.setupData,
      requestStop: () => this.#stopper.abort(),
    };
    this.user = withMetricRecorder(ctx.recorder, () => new userClass(environment));
    this.#stack = [{ holder: this.user, plan, timer: createWaitTimer(userClass.waitTime), cursor: 0 }];
    const onRunStop = () => this.#stopper.abort();
    if (ctx.signal.aborted) onRunStop();
    ctx.signal.addEventListener('abort', onRunStop, { once: true });
    this.#unlink = () => ctx.signal.removeEventListener('abort', onRunStop);
  }

  /** Calls onStart. `failed`: it threw (recorded); the user must not run. */
  start(): Promise<'ok' | 'stopped' | 'failed'> {
    // start, step and stop run the user's code: custom metrics it feeds record into this user's recorder.
    return withMetricRecorder(this.#ctx.recorder, () => this.#start());
  }

  async #start(): Promise<'ok' | 'stopped' | 'failed'> {
    try {
      await this.user.onStart();
      return this.signal.aborted ? 'stopped' : 'ok';
    } catch (error) {
      if (error instanceof StopUser) {
        this.#stopper.abort();
        return 'stopped';
      }
      this.#record(error, 'onStart');
      this.#ctx.logger.log('warning', `onStart failed, this user stops: ${errorMessage(error)}`, this.userClass.name);
      return 'failed';
    }
  }

  /** Runs one task (entering task sets as picked), then flushes the session. No wait. */
  step(): Promise<StepResult> {
    return withMetricRecorder(this.#ctx.recorder, () => this.#step());
  }

  async #step(): Promise<StepResult> {
    for (;;) {
      if (this.signal.aborted) return { outcome: 'stopped' };
      const frame = this.#stack[this.#stack.length - 1]!;
      const entry = this.#pick(frame);
      if (entry.kind === 'task') return this.#runTask(frame, entry);
      const failed = await this.#enter(frame, entry);
      if (failed) return failed;
    }
  }

  /** Waits as the step's owner says (abortable by the stop signal); yields to the event loop at least. */
  async wait(step: StepResult): Promise<void> {
    if (!step.wait || this.signal.aborted) return yieldToLoop();
    const { frame, taskStartMs } = step.wait;
    const { clock, rng } = this.#ctx;
    const seconds = frame.timer({ nowMs: clock.now(), taskStartMs, random: rng, pacing: this.pacing });
    if (!Number.isFinite(seconds) || seconds < 0) {
      this.#record(new StampedeUserError('STAMPEDE_ERR_WAIT_TIME', `waitTime returned ${String(seconds)}`), 'waitTime');
      return yieldToLoop();
    }
    if (seconds === 0) return yieldToLoop();
    await clock.sleep(seconds * 1000, this.signal);
  }

  /** Leaves every task set (their onStop, innermost first), calls the user's onStop, releases the run signal. */
  stop(): Promise<void> {
    return withMetricRecorder(this.#ctx.recorder, () => this.#stop());
  }

  async #stop(): Promise<void> {
    this.#stopper.abort();
    while (this.#stack.length > 1) await this.#leave();
    try {
      await this.user.onStop();
    } catch (error) {
      if (!(error instanceof StopUser)) this.#record(error, 'onStop');
    }
    this.#unlink();
  }

  /** Releases the run signal without calling onStop (a user whose onStart failed). */
  release(): void {
    this.#stopper.abort();
    this.#unlink();
  }

  #pick(frame: Frame): PlanEntry {
    const { plan } = frame;
    if (!plan.sequential) return pickWeighted(plan, this.#ctx.rng);
    return plan.sequence[frame.cursor++ % plan.sequence.length]!;
  }

  async #runTask(frame: Frame, entry: PlanEntry & { kind: 'task' }): Promise<StepResult> {
    const { clock, onIteration, userIndex = 0 } = this.#ctx;
    const taskStartMs = clock.now();
    onIteration?.({ userIndex, userClass: this.userClass.name, task: entry.name, startMs: taskStartMs });
    let failure: { error: unknown } | undefined;
    try {
      await entry.run(frame.holder);
    } catch (error) {
      failure = { error };
    }
    this.#flush();
    if (!failure) return { outcome: 'ok', wait: { frame, taskStartMs } };
    const { error } = failure;
    if (error instanceof StopUser) return this.#stopped();
    if (error instanceof InterruptTaskSet && frame.holder instanceof TaskSet) {
      await this.#leave();
      const parent = this.#stack[this.#stack.length - 1]!;
      return { outcome: 'interrupted', wait: error.reschedule ? undefined : { frame: parent, taskStartMs } };
    }
    this.#record(error, entry.name);
    return { outcome: 'failed', wait: { frame, taskStartMs } };
  }

  /** Enters a task set: undefined when entered, else how entering failed. */
  async #enter(frame: Frame, entry: PlanEntry & { kind: 'set' }): Promise<StepResult | undefined> {
    const taskStartMs = this.#ctx.clock.now();
    try {
      const holder = new entry.setClass(frame.holder);
      const waitTime = entry.setClass.waitTime;
      const timer = waitTime ? createWaitTimer(waitTime) : this.#stack[0]!.timer;
      this.#stack.push({ holder, plan: entry.plan, timer, cursor: 0 });
      await holder.onStart();
      return undefined;
    } catch (error) {
      if (this.#stack[this.#stack.length - 1] !== frame) this.#stack.pop(); // Locust: no onStop when onStart fails
      if (error instanceof StopUser) return this.#stopped();
      if (error instanceof InterruptTaskSet) {
        return { outcome: 'interrupted', wait: error.reschedule ? undefined : { frame, taskStartMs } };
      }
      this.#record(error, `${entry.name}.onStart`);
      return { outcome: 'failed', wait: { frame, taskStartMs } };
    }
  }

  async #leave(): Promise<void> {
    const frame = this.#stack.pop()!;
    try {
      await frame.holder.onStop();
    } catch (error) {
      if (error instanceof StopUser) this.#stopper.abort();
      else if (!(error instanceof InterruptTaskSet)) this.#record(error, `${frame.holder.constructor.name}.onStop`);
    }
  }

  #stopped(): StepResult & { outcome: 'stopped' } {
    this.#stopper.abort();
    return { outcome: 'stopped' };
  }

  #flush(): void {
    try {
      this.#ctx.session?.flush();
    } catch (error) {
      this.#record(error, 'session.flush');
    }
  }

  #record(error: unknown, where: string): void {
    if (isRecorded(error)) return;
    this.#ctx.recorder.recordException(error);
    this.#ctx.logger.log('debug', `${where} threw: ${errorMessage(error)}`, this.userClass.name);
  }
}

/** Creates one user (constructs the class with its environment). Throws on a bad class or missing session. */
export function createUserInstance(userClass: UserClass, ctx: RunUserContext): UserInstance {
  return new UserInstance(userClass, ctx);
}

/** Calls the user's onStart. `failed` (recorded): do not run this user. */
export function startUser(instance: UserInstance): Promise<'ok' | 'stopped' | 'failed'> {
  return instance.start();
}

/** One iteration for arrival-rate executors: one task, session flushed, no wait. */
export async function runOneTask(instance: UserInstance): Promise<TaskOutcome> {
  return (await instance.step()).outcome;
}

/** Leaves the task sets and calls onStop (after a successful or stopped start). */
export function stopUser(instance: UserInstance): Promise<void> {
  return instance.stop();
}

/**
 * Runs one user until `ctx.signal` aborts or the user stops itself: onStart; then pick a task (task sets,
 * interrupts and sequential order honoured), run it, `session.flush()`, wait; then onStop. Never rejects.
 */
export async function runUser(userClass: UserClass, ctx: RunUserContext): Promise<void> {
  let instance: UserInstance;
  try {
    instance = createUserInstance(userClass, ctx);
  } catch (error) {
    ctx.recorder.recordException(error);
    ctx.logger.log('error', `could not create ${userClass.name}: ${errorMessage(error)}`, 'stampede');
    return;
  }
  const started = await instance.start();
  if (started === 'failed') return instance.release();
  const max = ctx.maxIterations ?? Infinity;
  for (let done = 0; !instance.signal.aborted && done < max; ) {
    const step = await instance.step();
    if (step.outcome === 'stopped') break;
    // After its last iteration a user stops at once: no wait time that would only delay the end of the scenario.
    if (++done >= max) break;
    await instance.wait(step);
  }
  await instance.stop();
}
