import { StampedeError } from '../errors.ts';

/**
 * Errors of the user model: a stable `code` that callers branch on (the CLI maps every one to exit 2),
 * a message that says what is wrong and a hint that says what to do.
 * Also the two control signals user code throws: {@link StopUser} and {@link InterruptTaskSet}.
 */

export type UserErrorCode =
  /** The script failed to build or threw while loading; message is `file:line:col: message`. */
  | 'STAMPEDE_ERR_SCRIPT'
  /** No runnable user class in the script (or none left after --tags / --exclude-tags). */
  | 'STAMPEDE_ERR_NO_USER_CLASSES'
  /** A USER_CLASS named on the command line is not in the script. */
  | 'STAMPEDE_ERR_UNKNOWN_USER_CLASS'
  /** A user class or task set defines no task at all. */
  | 'STAMPEDE_ERR_NO_TASKS'
  /** A task definition is malformed (bad weight, a map naming a missing method, legacy decorators). */
  | 'STAMPEDE_ERR_TASK_DEFINITION'
  /** A user class has a bad static field (weight, fixedCount, waitTime). */
  | 'STAMPEDE_ERR_USER_CLASS'
  /** A wait-time function got bad arguments or returned a bad value. */
  | 'STAMPEDE_ERR_WAIT_TIME'
  /** An HttpUser was created without an HTTP session, or without a host. */
  | 'STAMPEDE_ERR_NO_HOST'
  /** A custom metric's name is malformed, built in, or already defined as another kind. */
  | 'STAMPEDE_ERR_METRIC_NAME'
  /** A custom metric was given a value it cannot hold (not a finite number, a negative trend value). */
  | 'STAMPEDE_ERR_METRIC_VALUE'
  /** The script's setup() threw or returned what JSON cannot carry, or `setup`/`teardown` is not a function. */
  | 'STAMPEDE_ERR_SETUP';

/** A configuration or script error in the user model. `code` is stable; `hint` says how to fix it. */
export class StampedeUserError extends StampedeError<UserErrorCode> {}

/** Throw from a task (or onStart) to stop this user at once; onStop still runs. Not recorded as an exception. */
export class StopUser extends Error {
  constructor(message = 'user stopped') {
    super(message);
    this.name = 'StopUser';
  }
}

/**
 * Thrown by `TaskSet.interrupt()`: leaves the task set and returns control to its parent.
 * `reschedule`: true → the parent picks its next task at once; false → the parent waits first.
 */
export class InterruptTaskSet extends Error {
  readonly reschedule: boolean;
  constructor(reschedule: boolean) {
    super('task set interrupted');
    this.name = 'InterruptTaskSet';
    this.reschedule = reschedule;
  }
}

const alreadyRecorded = new WeakSet<object>();

/** Marks an error as already counted (a failed `measure()`), so the user loop does not record it twice. */
export function markRecorded(error: unknown): void {
  if (typeof error === 'object' && error !== null) alreadyRecorded.add(error);
}

/** True when `markRecorded` saw this error. */
export function isRecorded(error: unknown): boolean {
  return typeof error === 'object' && error !== null && alreadyRecorded.has(error);
}

/** A short one-line message for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
