import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HttpUser, User, TaskSet, SequentialTaskSet, task, tag, compileTaskPlan, createTagFilter, createRandom,
  constant, type PlanEntry, type TaskPlan,
} from '../../src/internals.ts';
import { pickWeighted } from '../../src/user/task-plan.ts';

const names = (plan: TaskPlan) => plan.entries.map((e: PlanEntry) => `${e.name}:${e.weight}`);

class DecoratedUser extends HttpUser {
  @task(3) async browse() {}
  @task async create() {}
  helper() {}
}

class MappedUser extends HttpUser {
  static override tasks = { browse: 3, create: 1 };
  async browse() {}
  async create() {}
  helper() {}
}

test('the decorator and the map forms give the same tasks', () => {
  assert.deepEqual(names(compileTaskPlan(DecoratedUser)), ['browse:3', 'create:1']);
  assert.deepEqual(names(compileTaskPlan(MappedUser)), names(compileTaskPlan(DecoratedUser)));
});

test('the array form takes functions and TaskSet classes, weighted or not', () => {
  class Inner extends TaskSet {
    @task stay() {}
  }
  function visit() {}
  class ArrayUser extends User {
    static override tasks = [visit, [Inner, 2] as const];
  }
  assert.deepEqual(names(compileTaskPlan(ArrayUser)), ['visit:1', 'Inner:2']);
  assert.equal(compileTaskPlan(ArrayUser).entries[1]!.kind, 'set');
});

test('subclasses inherit tasks; an override of the same name replaces the weight', () => {
  class Base extends User {
    static override abstract = true;
    @task(2) a() {}
    @task b() {}
  }
  class Child extends Base {
    @task(5) override b() {}
    @task c() {}
  }
  assert.deepEqual(names(compileTaskPlan(Child)), ['a:2', 'b:5', 'c:1']);
});

test('weighted choice follows the weights (seeded; chi-square bound)', () => {
  class W extends User {
    static override tasks = { a: 1, b: 2, c: 7 };
    a() {}
    b() {}
    c() {}
  }
  const plan = compileTaskPlan(W);
  const rng = createRandom(42);
  const n = 100_000;
  const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
  for (let i = 0; i < n; i++) counts[pickWeighted(plan, rng).name]! += 1;
  const expected = { a: 0.1 * n, b: 0.2 * n, c: 0.7 * n };
  const chi2 = Object.entries(expected).reduce((s, [k, e]) => s + (counts[k]! - e) ** 2 / e, 0);
  // 2 degrees of freedom: P(chi2 > 13.8) = 0.001
  assert.ok(chi2 < 13.8, `chi2 = ${chi2} for ${JSON.stringify(counts)}`);
  // Same seed, same picks.
  const replay = (seed: number) => {
    const r = createRandom(seed);
    return Array.from({ length: 50 }, () => pickWeighted(plan, r).name);
  };
  assert.deepEqual(replay(7), replay(7));
  assert.notDeepEqual(replay(7), replay(8));
});

test('weight 0 disables a task; bad weights are rejected with a code', () => {
  class Z extends User {
    @task(0) off() {}
    @task on() {}
  }
  assert.deepEqual(names(compileTaskPlan(Z)), ['on:1']);
  assert.throws(() => task(-1), (e: any) => e.code === 'STAMPEDE_ERR_TASK_DEFINITION');
  class BadMap extends User {
    static override tasks = { missing: 1 };
  }
  assert.throws(() => compileTaskPlan(BadMap), (e: any) => e.code === 'STAMPEDE_ERR_TASK_DEFINITION' && /missing/.test(e.message));
});

test('a class with no task at all is an error; legacy decorator use is explained', () => {
  class Empty extends User {}
  assert.throws(() => compileTaskPlan(Empty), (e: any) => e.code === 'STAMPEDE_ERR_NO_TASKS' && /Empty/.test(e.message));
  const legacy = task(2) as unknown as (t: object, k: string, d: PropertyDescriptor) => void;
  assert.throws(() => legacy({}, 'm', {}), (e: any) => /experimentalDecorators/.test(e.hint));
});

@tag('admin')
class AdminSet extends TaskSet {
  @task listUsers() {}
  @tag('read') @task listClients() {}
}

class Tagged extends User {
  static override waitTime = constant(0);
  static override tasks = [AdminSet];
  @tag('read') @task(2) browse() {}
  @tag('write') @task create() {}
  @task untagged() {}
}

test('--tags keeps tasks having any of the tags; tags on a TaskSet apply to its tasks', () => {
  assert.deepEqual(names(compileTaskPlan(Tagged, createTagFilter('read'))), ['AdminSet:1', 'browse:2']);
  const set = compileTaskPlan(Tagged, createTagFilter('read')).entries[0] as PlanEntry & { kind: 'set' };
  assert.deepEqual(names(set.plan), ['listClients:1']);
  const admin = compileTaskPlan(Tagged, createTagFilter('admin')).entries[0] as PlanEntry & { kind: 'set' };
  assert.deepEqual(names(admin.plan), ['listUsers:1', 'listClients:1']);
  assert.deepEqual(names(compileTaskPlan(Tagged, createTagFilter('write,nothing'))), ['create:1']);
});

test('--exclude-tags removes tasks (and task sets left empty); both filters combine', () => {
  assert.deepEqual(names(compileTaskPlan(Tagged, createTagFilter(undefined, 'admin'))), ['browse:2', 'create:1', 'untagged:1']);
  assert.deepEqual(names(compileTaskPlan(Tagged, createTagFilter('read', 'admin'))), ['browse:2']);
  assert.deepEqual(names(compileTaskPlan(Tagged, createTagFilter('nope'))), []);
});

test('SequentialTaskSet plans repeat a task by its weight, in declaration order', () => {
  class Seq extends SequentialTaskSet {
    @task first() {}
    @task(2) second() {}
    @task third() {}
  }
  const plan = compileTaskPlan(Seq);
  assert.equal(plan.sequential, true);
  assert.deepEqual(plan.sequence.map((e) => e.name), ['first', 'second', 'second', 'third']);
});
