/**
 * Declaring tasks: the `@task(weight)` and `@tag(...)` decorators (TypeScript 5 standard decorators, not
 * `experimentalDecorators`), and the `static tasks` map/array forms. Decorators only annotate the method;
 * task-plan.ts reads the annotations when it compiles a class's task list.
 */
import { StampedeUserError } from './errors.ts';
import type { TaskSetClass } from './task-set.ts';

/** Internal: the weight set by `@task` on a method. */
export const TASK_WEIGHT: unique symbol = Symbol('stampede.taskWeight');
/** Internal: the tags set by `@tag` on a method or a class. */
export const TASK_TAGS: unique symbol = Symbol('stampede.tags');

/** A task written as a plain function: called with `this` and the first argument set to the owner. */
export type TaskFunction<O = any> = (this: O, owner: O) => unknown;

/** One item of the array form: a function or a TaskSet class, alone (weight 1) or with a weight. */
export type TaskItem = TaskFunction | TaskSetClass | readonly [TaskFunction | TaskSetClass, number];

/**
 * `static tasks`: either a map from method name to weight (`{ browse: 3, create: 1 }`) or an array of
 * functions and TaskSet classes, optionally weighted (`[[Browse, 3], checkout]`).
 */
export type TaskSpec = Readonly<Record<string, number>> | readonly TaskItem[];

/** Any class (constructor); used where user and task set classes are handled alike. */
export type AnyClass = abstract new (...args: any[]) => unknown;

type Annotated = { [TASK_WEIGHT]?: number; [TASK_TAGS]?: ReadonlySet<string> };
type MethodDecorator = (value: (...args: any[]) => unknown, context: ClassMethodDecoratorContext) => void;

/** Checks a task weight: a finite number >= 0 (0 disables the task). */
export function checkWeight(weight: unknown, where: string): number {
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
    throw new StampedeUserError(
      'STAMPEDE_ERR_TASK_DEFINITION',
      `${where}: a task weight must be a finite number >= 0, got ${String(weight)}`,
    );
  }
  return weight;
}

function checkStandardDecorator(context: unknown, what: string): void {
  if (typeof context !== 'object' || context === null || !('kind' in context)) {
    throw new StampedeUserError(
      'STAMPEDE_ERR_TASK_DEFINITION',
      `${what} was applied as a legacy decorator`,
      'Stampede uses TypeScript 5 standard decorators: set "experimentalDecorators": false in tsconfig.json',
    );
  }
}

function markTask(value: unknown, context: ClassMethodDecoratorContext, weight: number): void {
  checkStandardDecorator(context, '@task');
  if (context.kind !== 'method' || context.static || typeof value !== 'function') {
    throw new StampedeUserError('STAMPEDE_ERR_TASK_DEFINITION', `@task applies to instance methods only (${String(context.name)})`);
  }
  checkWeight(weight, `@task on ${String(context.name)}`);
  Object.defineProperty(value, TASK_WEIGHT, { value: weight, configurable: true });
}

/**
 * Marks a method as a task. `@task` alone has weight 1; `@task(3)` is picked three times as often as weight 1.
 * @example
 * class Shopper extends HttpUser {
 *   @task(3) async browse() { await this.client.get('/items'); }
 *   @task async buy() { await this.client.post('/cart'); }
 * }
 */
export function task(weight: number): MethodDecorator;
export function task(value: (...args: any[]) => unknown, context: ClassMethodDecoratorContext): void;
export function task(arg: unknown, context?: ClassMethodDecoratorContext): MethodDecorator | void {
  if (typeof arg === 'number') {
    checkWeight(arg, '@task()');
    return (value, ctx) => markTask(value, ctx, arg);
  }
  if (typeof arg === 'function' && context !== undefined) return markTask(arg, context, 1);
  checkStandardDecorator(context, '@task');
  throw new StampedeUserError('STAMPEDE_ERR_TASK_DEFINITION', '@task takes a weight (a number) or decorates a method');
}

/**
 * Tags a task method, or a TaskSet class (its tags apply to all of its tasks), for `--tags` / `--exclude-tags`.
 * @example @tag('read', 'admin') @task async listUsers() {}
 */
export function tag(...names: string[]): (value: unknown, context: ClassMethodDecoratorContext | ClassDecoratorContext) => void {
  for (const name of names) {
    if (typeof name !== 'string' || name === '') {
      throw new StampedeUserError('STAMPEDE_ERR_TASK_DEFINITION', `@tag names must be non-empty strings, got ${String(name)}`);
    }
  }
  return (value, context) => {
    checkStandardDecorator(context, '@tag');
    if ((context.kind !== 'method' && context.kind !== 'class') || typeof value !== 'function') {
      throw new StampedeUserError('STAMPEDE_ERR_TASK_DEFINITION', '@tag applies to task methods and TaskSet classes');
    }
    const own = Object.hasOwn(value, TASK_TAGS) ? (value as Annotated)[TASK_TAGS] : undefined;
    const tags = new Set([...(own ?? []), ...names]);
    Object.defineProperty(value, TASK_TAGS, { value: tags, configurable: true });
  };
}

/** Weight set by `@task` on this function, if any. */
export function taskWeightOf(fn: unknown): number | undefined {
  return typeof fn === 'function' ? (fn as Annotated)[TASK_WEIGHT] : undefined;
}

/** Tags set by `@tag` on this function (own only). */
export function ownTagsOf(fn: unknown): ReadonlySet<string> {
  return (typeof fn === 'function' && Object.hasOwn(fn, TASK_TAGS) && (fn as Annotated)[TASK_TAGS]) || new Set();
}

/** Tags set by `@tag` on this class or any of its base classes. */
export function classTagsOf(cls: AnyClass): Set<string> {
  const tags = new Set<string>();
  for (let c: unknown = cls; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    for (const t of ownTagsOf(c)) tags.add(t);
  }
  return tags;
}
