/**
 * Compiles a user or task set class into its task plan: the tasks it declares (static `tasks` map or array,
 * `@task` methods, inherited from base classes), filtered by tags, with cumulative weights for picking.
 * Plans are cached per class and tag filter; classes are never mutated (Locust rewrites `tasks` in place).
 */
import { StampedeUserError } from './errors.ts';
import type { RandomSource } from './random.ts';
import { checkWeight, classTagsOf, ownTagsOf, taskWeightOf, type AnyClass, type TaskFunction } from './task.ts';
import { isSequentialClass, isTaskSetClass, type TaskSetClass } from './task-set.ts';

/** `--tags` / `--exclude-tags`: keep tasks having any `include` tag, then drop tasks having any `exclude` tag. */
export interface TagFilter {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

interface EntryBase {
  readonly name: string;
  readonly weight: number;
  /** Own tags plus those of the enclosing task sets. */
  readonly tags: ReadonlySet<string>;
}

/** One choice in a plan: a task to run, or a task set to enter. */
export type PlanEntry =
  | (EntryBase & { readonly kind: 'task'; run(owner: object): unknown })
  | (EntryBase & { readonly kind: 'set'; readonly setClass: TaskSetClass; readonly plan: TaskPlan });

/** The compiled tasks of one class under one tag filter. */
export interface TaskPlan {
  readonly owner: AnyClass;
  readonly sequential: boolean;
  readonly entries: PlanEntry[];
  /** Running sums of the weights, for weighted picking. */
  readonly cumulative: number[];
  /** SequentialTaskSet: entries in order, each repeated round(weight) times. */
  readonly sequence: PlanEntry[];
}

type Target = { method: string } | { fn: TaskFunction } | { set: TaskSetClass };
interface RawTask {
  name: string;
  weight: number;
  tags: ReadonlySet<string>;
  target: Target;
}

function taskDefinitionError(message: string): StampedeUserError {
  return new StampedeUserError('STAMPEDE_ERR_TASK_DEFINITION', message, 'see the user guide: tasks');
}

function arrayTasks(c: AnyClass, items: readonly unknown[], out: Map<string, RawTask>): void {
  items.forEach((item, i) => {
    const [target, weight] = Array.isArray(item) ? item : [item, 1];
    const where = `${c.name}.tasks[${i}]`;
    checkWeight(weight, where);
    if (isTaskSetClass(target)) {
      out.set(where, { name: target.name, weight, tags: new Set(), target: { set: target } });
    } else if (typeof target === 'function') {
      out.set(where, { name: target.name || where, weight, tags: ownTagsOf(target), target: { fn: target as TaskFunction } });
    } else {
      throw taskDefinitionError(`${where}: expected a function or a TaskSet class, got ${typeof target}`);
    }
  });
}

function mapTasks(c: AnyClass, owner: AnyClass, map: Record<string, unknown>, out: Map<string, RawTask>): void {
  for (const [name, weight] of Object.entries(map)) {
    const method: unknown = owner.prototype[name];
    if (typeof method !== 'function') {
      throw taskDefinitionError(`${c.name}.tasks names "${name}", which is not a method of ${owner.name}`);
    }
    checkWeight(weight, `${c.name}.tasks.${name}`);
    out.set(name, { name, weight: weight as number, tags: ownTagsOf(method), target: { method: name } });
  }
}

function decoratedTasks(c: AnyClass, out: Map<string, RawTask>): void {
  for (const name of Object.getOwnPropertyNames(c.prototype)) {
    const value: unknown = Object.getOwnPropertyDescriptor(c.prototype, name)?.value;
    const weight = taskWeightOf(value);
    if (name !== 'constructor' && weight !== undefined) {
      out.set(name, { name, weight, tags: ownTagsOf(value), target: { method: name } });
    }
  }
}

/** The raw tasks of a class, base classes first; a subclass's task of the same name replaces the base one. */
function collectTasks(owner: AnyClass): RawTask[] {
  const chain: AnyClass[] = [];
  for (let c: unknown = owner; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    chain.unshift(c as AnyClass);
  }
  const out = new Map<string, RawTask>();
  for (const c of chain) {
    const spec: unknown = Object.hasOwn(c, 'tasks') ? (c as { tasks?: unknown }).tasks : undefined;
    if (Array.isArray(spec)) arrayTasks(c, spec, out);
    else if (spec !== null && typeof spec === 'object') mapTasks(c, owner, spec as Record<string, unknown>, out);
    else if (spec !== undefined) throw taskDefinitionError(`${c.name}.tasks must be a map { method: weight } or an array`);
    decoratedTasks(c, out);
  }
  return [...out.values()];
}

function passes(tags: ReadonlySet<string>, filter: TagFilter): boolean {
  if (filter.include?.length && !filter.include.some((t) => tags.has(t))) return false;
  return !filter.exclude?.some((t) => tags.has(t));
}

function runnerFor(target: { method: string } | { fn: TaskFunction }): (owner: object) => unknown {
  if ('fn' in target) return (owner) => target.fn.call(owner, owner);
  const { method } = target;
  return (owner) => (owner as Record<string, () => unknown>)[method]!();
}

const cache = new WeakMap<AnyClass, Map<string, TaskPlan>>();
const building = new WeakSet<TaskPlan>();

function fill(plan: TaskPlan, raws: RawTask[], filter: TagFilter, holderTags: ReadonlySet<string>): void {
  for (const raw of raws) {
    if (raw.weight === 0) continue;
    const tags = new Set([...holderTags, ...raw.tags]);
    const base = { name: raw.name, weight: raw.weight, tags };
    if ('set' in raw.target) {
      const sub = compilePlan(raw.target.set, filter, tags);
      if (sub.entries.length > 0 || building.has(sub)) plan.entries.push({ ...base, kind: 'set', setClass: raw.target.set, plan: sub });
    } else if (passes(tags, filter)) {
      plan.entries.push({ ...base, kind: 'task', run: runnerFor(raw.target) });
    }
  }
  let sum = 0;
  for (const entry of plan.entries) {
    plan.cumulative.push((sum += entry.weight));
    for (let i = 0; i < Math.max(1, Math.round(entry.weight)); i++) plan.sequence.push(entry);
  }
}

function compilePlan(owner: AnyClass, filter: TagFilter, inherited: ReadonlySet<string>): TaskPlan {
  const key = `${filter.include?.join(',') ?? ''}|${filter.exclude?.join(',') ?? ''}|${[...inherited].sort().join(',')}`;
  let byKey = cache.get(owner);
  if (!byKey) cache.set(owner, (byKey = new Map()));
  const cached = byKey.get(key);
  if (cached) return cached;
  const raws = collectTasks(owner);
  if (raws.length === 0) {
    throw new StampedeUserError(
      'STAMPEDE_ERR_NO_TASKS',
      `no tasks defined on ${owner.name}`,
      'add @task methods or a `static tasks` map, or mark a base class with `static abstract = true`',
    );
  }
  const plan: TaskPlan = { owner, sequential: isSequentialClass(owner), entries: [], cumulative: [], sequence: [] };
  byKey.set(key, plan);
  building.add(plan); // a task set that (indirectly) contains itself refers to this same plan object
  try {
    fill(plan, raws, filter, new Set([...inherited, ...classTagsOf(owner)]));
  } catch (error) {
    byKey.delete(key);
    throw error;
  } finally {
    building.delete(plan);
  }
  return plan;
}

/**
 * The task plan of a User or TaskSet class under a tag filter. Throws STAMPEDE_ERR_NO_TASKS when the class
 * declares no task at all; returns a plan with no entries when the filter removed them all.
 */
export function compileTaskPlan(owner: AnyClass, filter: TagFilter = {}): TaskPlan {
  return compilePlan(owner, filter, new Set());
}

/** Picks an entry at random, proportionally to the weights. The plan must not be empty. */
export function pickWeighted(plan: TaskPlan, random: RandomSource): PlanEntry {
  const { cumulative, entries } = plan;
  const r = random() * cumulative[cumulative.length - 1]!;
  let i = 0;
  while (i < cumulative.length - 1 && cumulative[i]! <= r) i++;
  return entries[i]!;
}

/** A tag filter from comma-separated lists (`--tags a,b --exclude-tags c`). */
export function createTagFilter(tags?: string | readonly string[], excludeTags?: string | readonly string[]): TagFilter {
  const split = (v?: string | readonly string[]) =>
    (typeof v === 'string' ? v.split(',') : (v ?? [])).map((t) => t.trim()).filter((t) => t !== '');
  return { include: split(tags), exclude: split(excludeTags) };
}
