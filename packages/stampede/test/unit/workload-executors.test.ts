// Issue 4: exact iteration counts on a fake clock for every workload model, through the real runner and user threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { User, task, constant, constantPacing } from '../../src/index.ts';
import { normalizeScenarios, type Scenarios } from '../../src/workload/scenarios.ts';
import { createHarness } from './workload-harness.ts';

/** One task per iteration that records a 2 ms "request" and takes `busyMs` of fake time. */
function worker(name: string, busyMs = 0) {
  const cls = class extends User {
    static override waitTime = constant(0);
    @task async work() {
      const startMs = this.environment.clock.now();
      if (busyMs > 0) await this.environment.clock.sleep(busyMs);
      this.environment.recorder.record('GET', `/${name}`, Math.round((this.environment.clock.now() - startMs) * 1000) + 2000, 0);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

const plans = (s: Scenarios) => normalizeScenarios(s);

test('constantArrivalRate: 10 it/s for 60 s starts 600 (one thread)', async () => {
  const h = await createHarness([worker('Reader', 30)]);
  await h.run(plans({ reads: { executor: 'constantArrivalRate', rate: 10, duration: '60s', preAllocatedUsers: 1, maxUsers: 5 } }), 70_000);
  assert.equal(h.runner.counters.iterations, 600);
  assert.equal(h.runner.counters.dropped, 0);
  assert.equal(h.runner.counters.late, 0);
  assert.equal(h.aggregate.totals().requests, 600);
});

test('constantArrivalRate split over 3 threads still starts exactly 600', async () => {
  const h = await createHarness([worker('Reader', 30)], 3);
  await h.run(plans({ reads: { executor: 'constantArrivalRate', rate: 10, duration: '60s', preAllocatedUsers: 3, maxUsers: 3 } }), 70_000);
  assert.equal(h.runner.counters.iterations, 600);
  assert.equal(h.runner.counters.dropped, 0);
});

test('rampingArrivalRate: 0 → 100 it/s over 10 s starts 500', async () => {
  const h = await createHarness([worker('Reader', 5)], 2);
  await h.run(plans({ ramp: { executor: 'rampingArrivalRate', startRate: 0, stages: [{ duration: '10s', target: 100 }], preAllocatedUsers: 4, maxUsers: 10 } }), 20_000);
  assert.equal(h.runner.counters.iterations, 500);
  assert.equal(h.runner.counters.dropped, 0);
});

test('with every user busy, queued iterations start late and their corrected latency counts the wait', async () => {
  // 10 it/s, one user, each iteration takes 150 ms: the user falls behind by 50 ms per iteration.
  const h = await createHarness([worker('Slow', 150)]);
  await h.run(plans({ slow: { executor: 'constantArrivalRate', rate: 10, duration: '2s', preAllocatedUsers: 1, gracefulStop: '10s' } }), 10_000);
  const c = h.runner.counters;
  assert.equal(c.iterations + c.dropped, 20);
  assert.equal(c.iterations, 20);
  assert.equal(c.late, 19); // all but the first waited more than the 5 ms tolerance
  const totals = h.aggregate.totals();
  assert.equal(totals.corrected!.maxUs, 2000 + 150_000 + 19 * 50_000);
  assert.equal(totals.latency.maxUs, 152_000);
});

test("whenBusy 'drop' counts what could not start, and started + dropped = scheduled", async () => {
  const h = await createHarness([worker('Slow', 250)]);
  await h.run(plans({ slow: { executor: 'constantArrivalRate', rate: 10, duration: '3s', preAllocatedUsers: 1, whenBusy: 'drop' } }), 10_000);
  const c = h.runner.counters;
  assert.equal(c.iterations + c.dropped, 30);
  assert.equal(c.iterations, 10); // one every 300 ms: the user is free again at 250 ms, the next slot is at 300
  assert.equal(c.late, 0);
});

test('rampingUsers stages: the user count follows the ramp exactly', async () => {
  const h = await createHarness([worker('Browser', 1000)]);
  const seen = new Map<number, number>();
  const stages = [{ duration: '10s', target: 10 }, { duration: '5s', target: 10 }, { duration: '5s', target: 0 }];
  await h.run(plans({ ramp: { executor: 'rampingUsers', stages } }), 25_000, (tMs) => seen.set(tMs, h.runner.users));
  // Linear ramps: 1 user/s up for 10 s, flat for 5 s, 2 users/s down for 5 s; each ramp's first change at its
  // start (issue #18: Locust starts the first user at once), the k-th at k / rate.
  assert.deepEqual([500, 1500, 5500, 9500, 10_500, 14_500, 15_500, 17_500, 19_500].map((t) => seen.get(t)), [1, 2, 6, 10, 10, 10, 8, 4, 0]);
  assert.equal(h.runner.users, 0);
});

test('a custom shape is evaluated every second and short stages are applied', async () => {
  const h = await createHarness([worker('A', 100), worker('B', 100)]);
  const calls: number[] = [];
  const shape = {
    tick(t: number) {
      calls.push(t);
      if (t < 2) return { users: 4, spawnRate: 100 };
      if (t < 2.3) return { users: 8, spawnRate: 100, userClasses: ['B'] };
      if (t < 4) return { users: 2, spawnRate: 100 };
      return null;
    },
    nextChangeS: (t: number) => (t < 2.3 && t >= 2 ? 2.3 : undefined),
  };
  const maxUsers: number[] = [];
  h.runner.on('tick', ({ users }) => maxUsers.push(users));
  await h.run(plans({ shaped: { executor: 'shape', shape } }), 10_000);
  assert.deepEqual(calls, [0, 1, 2, 2.3, 3, 4]);
  assert.ok(h.aggregate.endpoints().some((e) => e.name === '/B'));
  assert.deepEqual(maxUsers.slice(0, 4), [4, 4, 2, 2]);
});

test('two scenarios in one run are reported apart and together', async () => {
  const h = await createHarness([worker('Reader', 10), worker('Admin', 500)], 2);
  await h.run(
    plans({
      reads: { executor: 'constantArrivalRate', rate: 20, duration: '5s', preAllocatedUsers: 2, userClasses: ['Reader'] },
      admin: { executor: 'constantUsers', users: 2, duration: '5s', userClasses: ['Admin'] },
    }),
    10_000,
  );
  const reads = h.runner.scenarioAggregates.get('reads')!.totals();
  const admin = h.runner.scenarioAggregates.get('admin')!.totals();
  assert.equal(reads.requests, 100);
  assert.equal(h.runner.scenarioCounters.get('reads')!.iterations, 100);
  assert.ok(admin.requests >= 18 && admin.requests <= 22, `admin ${admin.requests}`);
  assert.equal(h.aggregate.totals().requests, reads.requests + admin.requests);
  // Mixed models: closed users record corrected latency too, so the totals compare like with like.
  assert.equal(h.aggregate.totals().corrected!.count, h.aggregate.totals().requests);
});

test('constantPacing overruns are reported as late iterations and missed slots, never lost', async () => {
  class Paced extends User {
    static override waitTime = constantPacing(1);
    @task async slow() {
      await this.environment.clock.sleep(2500);
    }
  }
  const h = await createHarness([Paced]);
  await h.run(plans({ paced: { executor: 'constantUsers', users: 1, duration: '9s' } }), 12_000);
  const c = h.runner.scenarioCounters.get('paced') ?? h.runner.counters;
  // Tasks start at 0, 2.5, 5, 7.5 s; each of the first three overran its 1 s slot (late) and skipped a whole one
  // (missed); the fourth ends after the scenario has stopped its user, so no slot follows it.
  assert.equal(c.iterations, 4);
  assert.equal(c.late, 3);
  assert.equal(c.missed, 3);
  assert.equal(h.runner.counters.missed, 3);
});

test('a user that stops itself during the ramp is not replaced: the ramp counts it as started', async () => {
  // Found writing the guides: -u 3 -r 1 with users that stop after one task started 6 users, since the ramp
  // counted live users and refilled the freed slots.
  let started = 0;
  class OneShot extends User {
    override onStart() {
      started++;
    }
    @task async once() {
      await this.environment.clock.sleep(200);
      this.stop();
    }
  }
  const h = await createHarness([OneShot]);
  h.runner.start(3, 1);
  await h.clock.advance(6000);
  assert.equal(started, 3, 'three users started, none replaced');
  assert.equal(h.runner.users, 0);
  assert.equal(h.runner.state, 'running', 'the ramp ended');
  const stopping = h.runner.stop(1000);
  await h.clock.advance(2000);
  await stopping;
  await h.runner.close();
});

test('LocalRunner.start keeps its contract: ready → spawning → running, a user stopping itself is not respawned', async () => {
  class Quitter extends User {
    @task async once() {
      await this.environment.clock.sleep(1500);
      if (this.environment.userIndex === 0) this.stop();
    }
  }
  const h = await createHarness([Quitter]);
  const states: string[] = [];
  h.runner.on('state', (s) => states.push(s));
  h.runner.start(3, 2);
  await h.clock.advance(1000);
  // Users start at 0, 0.5 and 1 s (issue #18: the first at once).
  assert.equal(h.runner.users, 3);
  await h.clock.advance(2000);
  assert.equal(h.runner.users, 2, 'user 0 stopped itself (at 1.5 s) and stays stopped');
  assert.equal(h.runner.state, 'running');
  const stopping = h.runner.stop(1000);
  await h.clock.advance(5000);
  await stopping;
  await h.runner.close();
  assert.deepEqual(states, ['spawning', 'running', 'stopping', 'stopped']);
});

test('users that stop at once do not take the places of the other classes', async () => {
  // Issue #18: the class of a new user was taken from the live count, so when every user of the first class stopped
  // itself at once (an onStart that throws), each later user was of that class too and the others never ran.
  class Quitter extends User {
    static override waitTime = constant(0);
    @task async once() {
      this.stop();
    }
  }
  const h = await createHarness([Quitter, worker('Steady')]);
  await h.run(plans({ mix: { executor: 'constantUsers', users: 2, duration: '3s', spawnRate: 1 } }), 5000);
  assert.ok(h.aggregate.endpoints().some((e) => e.name === '/Steady' && e.requests > 0), JSON.stringify(h.aggregate.endpoints().map((e) => e.name)));
});
