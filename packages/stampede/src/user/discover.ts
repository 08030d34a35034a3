/**
 * Finding the user classes to run in a loaded script: exported subclasses of User that are not abstract and
 * have tasks, narrowed by the USER_CLASS names given on the command line and by the tag filter.
 */
import type { Logger } from '../logger.ts';
import { StampedeUserError } from './errors.ts';
import { compileTaskPlan, type TagFilter } from './task-plan.ts';
import { isAbstractUserClass, isUserClass, type UserClass } from './user.ts';

/** Options of {@link discoverUserClasses}. */
export interface DiscoverOptions {
  /** USER_CLASS names from the command line; empty = all runnable classes. */
  picks?: readonly string[];
  tagFilter?: TagFilter;
  /** Receives the warning for each class excluded because the tag filter left it no task. */
  logger?: Logger;
}

/** Every non-abstract User subclass exported by the module, in export order, each once. */
export function findUserClasses(module: Readonly<Record<string, unknown>>): UserClass[] {
  const found = new Set<UserClass>();
  for (const value of Object.values(module)) {
    if (isUserClass(value) && !isAbstractUserClass(value)) found.add(value);
  }
  return [...found];
}

function checkStatics(cls: UserClass): void {
  const { weight, fixedCount } = cls;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
    throw new StampedeUserError('STAMPEDE_ERR_USER_CLASS', `${cls.name}.weight must be a number >= 0, got ${String(weight)}`);
  }
  if (!Number.isInteger(fixedCount) || fixedCount < 0) {
    throw new StampedeUserError(
      'STAMPEDE_ERR_USER_CLASS',
      `${cls.name}.fixedCount must be an integer >= 0, got ${String(fixedCount)}`,
    );
  }
}

/** The class with this name among `classes`; throws STAMPEDE_ERR_UNKNOWN_USER_CLASS listing the available ones. */
export function findUserClass(classes: readonly UserClass[], name: string): UserClass {
  const cls = classes.find((c) => c.name === name);
  if (cls) return cls;
  const available = classes.map((c) => c.name).join(', ') || '(none)';
  throw new StampedeUserError(
    'STAMPEDE_ERR_UNKNOWN_USER_CLASS',
    `unknown user class "${name}"; available: ${available}`,
    'name user classes exactly as exported by the script (case-sensitive)',
  );
}

/**
 * The user classes to run: exported, concrete, with tasks; narrowed to `picks` (in that order); classes the tag
 * filter leaves without tasks are dropped with a warning, and so are classes of weight 0 with no fixedCount.
 * Throws STAMPEDE_ERR_NO_USER_CLASSES when nothing is left, STAMPEDE_ERR_NO_TASKS for a class with no task at all.
 */
export function discoverUserClasses(module: Readonly<Record<string, unknown>>, options: DiscoverOptions = {}): UserClass[] {
  const all = findUserClasses(module);
  const picked = options.picks?.length ? [...new Set(options.picks)].map((name) => findUserClass(all, name)) : all;
  const runnable: UserClass[] = [];
  for (const cls of picked) {
    checkStatics(cls);
    compileTaskPlan(cls); // throws STAMPEDE_ERR_NO_TASKS for a class that declares no task
    if (cls.weight === 0 && cls.fixedCount === 0) continue;
    if (compileTaskPlan(cls, options.tagFilter).entries.length === 0) {
      options.logger?.log('warning', `${cls.name} has no task left after --tags/--exclude-tags; not running it`, 'stampede');
      continue;
    }
    runnable.push(cls);
  }
  if (runnable.length === 0) {
    const filtered = Boolean(options.tagFilter?.include?.length || options.tagFilter?.exclude?.length);
    throw new StampedeUserError(
      'STAMPEDE_ERR_NO_USER_CLASSES',
      all.length === 0 ? 'no user class found in the script' : 'no user class left to run',
      all.length === 0
        ? 'export a class extending User or HttpUser with at least one @task'
        : filtered
          ? 'check --tags / --exclude-tags: no task matches'
          : 'give at least one class a weight > 0 or a fixedCount',
    );
  }
  return runnable;
}
