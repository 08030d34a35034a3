import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HttpUser, User, task, tag, discoverUserClasses, distributeUsers, createTagFilter, largestRemainder,
} from '../../src/internals.ts';
import { FakeLogger } from './user-fakes.ts';

const cls = (name: string, weight: number, fixedCount = 0) => ({ name, weight, fixedCount });
const countsOf = <T extends { name: string }>(d: { counts: Map<T, number> }) =>
  Object.fromEntries([...d.counts].map(([c, n]) => [c.name, n]));
const orderOf = (d: { order: Array<{ name: string }> }) => d.order.map((c) => c.name).join('');

test('weights 3:1 over 8 users → 6:2, interleaved', () => {
  const d = distributeUsers([cls('A', 3), cls('B', 1)], 8);
  assert.deepEqual(countsOf(d), { A: 6, B: 2 });
  assert.equal(orderOf(d), 'AABAAABA'); // the same order Locust spawns
});

test('fixedCount classes come first, exactly, then the rest by weight', () => {
  const d = distributeUsers([cls('A', 3), cls('Admin', 1, 1), cls('B', 1)], 9);
  assert.deepEqual(countsOf(d), { A: 6, Admin: 1, B: 2 });
  assert.equal(d.order[0]!.name, 'Admin');
  // Fewer users than the fixed counts: the fixed classes share them.
  assert.deepEqual(countsOf(distributeUsers([cls('F', 1, 3), cls('G', 1, 1), cls('W', 5)], 2)), { F: 2, G: 0, W: 0 });
  // Only fixed classes: no more users than their counts.
  assert.equal(distributeUsers([cls('F', 1, 2)], 10).order.length, 2);
});

test('largest remainder: exact totals, ties to the first class, deterministic', () => {
  assert.deepEqual(largestRemainder([1, 1, 1], 10), [4, 3, 3]);
  assert.deepEqual(largestRemainder([1, 1.3], 23), [10, 13]);
  for (let n = 0; n < 50; n++) {
    const counts = largestRemainder([5, 2, 1.5], n);
    assert.equal(counts.reduce((a, b) => a + b, 0), n);
    counts.forEach((c, i) => assert.ok(Math.abs(c - (n * [5, 2, 1.5][i]!) / 8.5) < 1));
  }
  const d = distributeUsers([cls('A', 2), cls('B', 5), cls('C', 6)], 13);
  assert.deepEqual(countsOf(d), { A: 2, B: 5, C: 6 });
  // Every prefix of the spawn order is within one user of proportional.
  for (let k = 1; k <= 13; k++) {
    const prefix = d.order.slice(0, k);
    for (const [name, w] of [['A', 2], ['B', 5], ['C', 6]] as const) {
      assert.ok(Math.abs(prefix.filter((c) => c.name === name).length - (k * w) / 13) < 1);
    }
  }
});

class Base extends HttpUser {
  static override abstract = true;
  @task base() {}
}
class Reader extends Base {
  static override weight = 3;
  @tag('read') @task read() {}
}
class Writer extends User {
  @tag('write') @task write() {}
}
class Disabled extends User {
  static override weight = 0;
  @task t() {}
}
const scriptModule = { Base, Reader, Writer, Disabled, default: Reader, notAClass: 1, HttpUser, User };

test('discovery finds exported concrete user classes once, skipping abstract ones and weight 0', () => {
  assert.deepEqual(discoverUserClasses(scriptModule).map((c) => c.name), ['Reader', 'Writer']);
});

test('USER_CLASS picks narrow the list; an unknown name lists the available ones', () => {
  assert.deepEqual(discoverUserClasses(scriptModule, { picks: ['Writer'] }).map((c) => c.name), ['Writer']);
  assert.throws(
    () => discoverUserClasses(scriptModule, { picks: ['Nope'] }),
    (e: any) => e.code === 'STAMPEDE_ERR_UNKNOWN_USER_CLASS' && e.message.includes('Reader, Writer, Disabled'),
  );
});

test('a class left with no task by the tag filter is excluded with a warning; none left is an error', () => {
  const logger = new FakeLogger();
  assert.deepEqual(discoverUserClasses(scriptModule, { tagFilter: createTagFilter('write'), logger }).map((c) => c.name), ['Writer']);
  assert.match(logger.lines[0]!.message, /Reader has no task left/);
  assert.equal(logger.lines[0]!.level, 'warning');
  assert.throws(
    () => discoverUserClasses(scriptModule, { tagFilter: createTagFilter('nothing') }),
    (e: any) => e.code === 'STAMPEDE_ERR_NO_USER_CLASSES' && /--tags/.test(e.hint),
  );
  assert.throws(() => discoverUserClasses({ x: 1 }), (e: any) => e.code === 'STAMPEDE_ERR_NO_USER_CLASSES');
});

test('bad statics and task-less classes are reported with codes', () => {
  class Neg extends User {
    static override weight = -1;
    @task t() {}
  }
  class Half extends User {
    static override fixedCount = 1.5;
    @task t() {}
  }
  class Empty extends User {}
  assert.throws(() => discoverUserClasses({ Neg }), (e: any) => e.code === 'STAMPEDE_ERR_USER_CLASS');
  assert.throws(() => discoverUserClasses({ Half }), (e: any) => e.code === 'STAMPEDE_ERR_USER_CLASS');
  assert.throws(() => discoverUserClasses({ Empty }), (e: any) => e.code === 'STAMPEDE_ERR_NO_TASKS');
});
