/**
 * Task sets: a nested group of tasks with its own wait time, entered when the parent picks it as a task
 * and left with `interrupt()`. `SequentialTaskSet` runs its tasks in declaration order, looping.
 * A new instance is created each time the parent enters the set (so `onStart` runs on every entry).
 */
import type { HttpSession } from '../http/types.ts';
import { InterruptTaskSet, StampedeUserError } from './errors.ts';
import type { TaskSpec } from './task.ts';
import type { User, UserLog } from './user.ts';
import type { WaitTime } from './wait-time.ts';

/** A group of tasks run by a user until it calls `interrupt()`. */
export class TaskSet<U extends User = User> {
  /** Tasks in map or array form; `@task` methods are added to these. */
  static tasks: TaskSpec | undefined = undefined;
  /** Wait after each task of this set; when unset, the user's wait time applies. */
  static waitTime: WaitTime | undefined = undefined;

  /** The user running this set. */
  readonly user: U;
  /** The user or task set that entered this set. */
  readonly parent: U | TaskSet<U>;

  constructor(parent: U | TaskSet<U>) {
    this.parent = parent;
    this.user = parent instanceof TaskSet ? parent.user : parent;
  }

  /** The user's HTTP session (when the user is an HttpUser). */
  get client(): HttpSession {
    const client = (this.user as { client?: HttpSession }).client;
    if (!client) {
      throw new StampedeUserError('STAMPEDE_ERR_NO_HOST', `${this.constructor.name}.client: ${this.user.constructor.name} is not an HttpUser`);
    }
    return client;
  }

  /** The user's log. */
  get log(): UserLog {
    return this.user.log;
  }

  /** Called each time the set is entered, before its first task. */
  onStart(): void | Promise<void> {}

  /** Called when the set is left (interrupt, or the user stopping). */
  onStop(): void | Promise<void> {}

  /**
   * Leaves this set and returns control to the parent (ends the current task at once: it throws).
   * @param reschedule true: the parent picks its next task immediately; false: the parent waits first
   */
  interrupt(reschedule = true): never {
    throw new InterruptTaskSet(reschedule);
  }
}

/** A task set that runs its tasks in declaration order and loops; a weight of n runs that task n times in a row. */
export class SequentialTaskSet<U extends User = User> extends TaskSet<U> {}

/** A TaskSet class as the task planner sees it. */
export type TaskSetClass = (new (parent: any) => TaskSet<any>) & {
  readonly name: string;
  tasks: TaskSpec | undefined;
  waitTime: WaitTime | undefined;
};

/** True for TaskSet and its subclasses (the classes). */
export function isTaskSetClass(value: unknown): value is TaskSetClass {
  return typeof value === 'function' && (value === TaskSet || value.prototype instanceof TaskSet);
}

/** True for SequentialTaskSet and its subclasses. */
export function isSequentialClass(value: abstract new (...args: any[]) => unknown): boolean {
  return value === SequentialTaskSet || value.prototype instanceof SequentialTaskSet;
}
