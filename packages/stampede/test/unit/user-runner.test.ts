import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import {
  HttpUser, User, TaskSet, SequentialTaskSet, StopUser, task, constant, createRandom, runUser,
  createUserInstance, startUser, runOneTask, stopUser, type RunUserContext, type UserClass,
} from '../../src/internals.ts';
import { FakeClock } from './fake-clock.ts';
import { FakeLogger, FakeRecorder, FakeSession } from './user-fakes.ts';

function setup(overrides: Partial<RunUserContext> = {}) {
  const clock = new FakeClock();
  const controller = new AbortController();
  const recorder = new FakeRecorder();
  const logger = new FakeLogger();
  const session = new FakeSession();
  const ctx: RunUserContext = {
    clock, logger, recorder, session, signal: controller.signal, rng: createRandom(1), host: 'http://127.0.0.1:1',
    ...overrides,
  };
  /** Runs the user for `ms` of fake time, then stops it and lets it finish. */
  const runFor = async (cls: UserClass, ms: number) => {
    const done = runUser(cls, ctx);
    await clock.advance(ms);
    controller.abort();
    await clock.advance(60_000);
    await done;
  };
  return { clock, controller, recorder, logger, session, ctx, runFor };
}

test('onStart, then task → flush → wait, then onStop; this.log goes out with the class name', async () => {
  const { clock, session, logger, runFor } = setup();
  const events: string[] = [];
  class Shopper extends HttpUser {
    static override waitTime = constant(1);
    override async onStart() {
      events.push(`start@${clock.now()}`);
      this.log.info('hello');
    }
    @task async browse() {
      events.push(`browse@${clock.now()}`);
      await this.client.get('/items');
    }
    override onStop() {
      events.push(`stop@${clock.now()}`);
    }
  }
  await runFor(Shopper, 2500);
  assert.deepEqual(events, ['start@0', 'browse@0', 'browse@1000', 'browse@2000', 'stop@2500']);
  assert.equal(session.flushes, 3);
  assert.deepEqual(session.paths, ['GET /items', 'GET /items', 'GET /items']);
  assert.deepEqual(logger.lines, [{ level: 'info', message: 'hello', source: 'Shopper' }]);
});

test('a throwing task is recorded and the user goes on after its wait', async () => {
  const { recorder, runFor, clock } = setup();
  const starts: number[] = [];
  class Flaky extends User {
    static override waitTime = constant(1);
    @task work() {
      starts.push(clock.now());
      if (starts.length % 2 === 1) throw new Error(`boom ${starts.length}`);
    }
  }
  await runFor(Flaky, 3500);
  assert.deepEqual(starts, [0, 1000, 2000, 3000]);
  assert.deepEqual(recorder.exceptions.map((e) => (e as Error).message), ['boom 1', 'boom 3']);
});

test('a throwing onStart is recorded and stops that user: no task, no onStop', async () => {
  const { recorder, logger, runFor } = setup();
  const events: string[] = [];
  class NoAdmin extends User {
    override onStart() {
      throw new Error('ADMIN_PASSWORD is not set');
    }
    @task work() {
      events.push('task');
    }
    override onStop() {
      events.push('stop');
    }
  }
  await runFor(NoAdmin, 1000);
  assert.deepEqual(events, []);
  assert.equal((recorder.exceptions[0] as Error).message, 'ADMIN_PASSWORD is not set');
  const warning = logger.lines.find((l) => l.level === 'warning');
  assert.match(warning?.message ?? '', /onStart failed.*ADMIN_PASSWORD/);
});

test('StopUser ends the user at once and this.stop() after the current task; onStop runs, nothing recorded', async () => {
  for (const how of ['throw', 'stop'] as const) {
    const { recorder, runFor } = setup();
    const events: string[] = [];
    let runs = 0;
    class Quitter extends User {
      static override waitTime = constant(1);
      @task work() {
        events.push('task');
        if (++runs === 2) {
          if (how === 'throw') throw new StopUser();
          this.stop();
        }
        events.push('after');
      }
      override onStop() {
        events.push('stop');
      }
    }
    await runFor(Quitter, 10_000);
    const expected = how === 'throw' ? ['task', 'after', 'task', 'stop'] : ['task', 'after', 'task', 'after', 'stop'];
    assert.deepEqual(events, expected, how);
    assert.equal(recorder.exceptions.length, 0);
  }
});

test('a TaskSet runs its tasks with its own wait, and interrupt() returns to the parent', async () => {
  const { clock, runFor } = setup();
  const events: string[] = [];
  const at = (e: string) => events.push(`${e}@${clock.now()}`);
  class Browse extends TaskSet<Visitor> {
    static override waitTime = constant(0.1);
    n = 0;
    override onStart() {
      at('enter');
    }
    @task read() {
      at('read');
      if (++this.n === 3) this.interrupt(false);
    }
    override onStop() {
      at('leave');
    }
  }
  class Visitor extends User {
    static override waitTime = constant(1);
    static override tasks = [Browse];
  }
  await runFor(Visitor, 1250);
  assert.deepEqual(events, [
    'enter@0', 'read@0', 'read@100', 'read@200', 'leave@200', // interrupt(false): the user waits 1 s
    'enter@1200', 'read@1200', 'leave@1250', // the run stops: the set's onStop, then the user's
  ]);
});

test('interrupt() with reschedule picks the next task at once; nested sets return to their own parent', async () => {
  const { clock, runFor } = setup();
  const events: string[] = [];
  const at = (e: string) => events.push(`${e}@${clock.now()}`);
  class Inner extends TaskSet {
    @task inner() {
      at('inner');
      this.interrupt();
    }
  }
  class Outer extends SequentialTaskSet {
    @task first() {
      at('first');
    }
    static override tasks = [Inner];
    @task last() {
      at('last');
      this.interrupt();
    }
  }
  class Nested extends User {
    static override waitTime = constant(1);
    static override tasks = [Outer];
  }
  await runFor(Nested, 1500);
  // Outer is sequential: Inner (from `tasks`) comes first, then the decorated methods in order.
  assert.deepEqual(events, ['inner@0', 'first@0', 'last@1000', 'inner@1000', 'first@1000']);
});

test('SequentialTaskSet runs tasks in declaration order and loops', async () => {
  const { runFor } = setup();
  const order: string[] = [];
  class Checkout extends SequentialTaskSet {
    @task cart() {
      order.push('cart');
    }
    @task(2) pay() {
      order.push('pay');
    }
    @task done() {
      order.push('done');
    }
  }
  class Buyer extends User {
    static override waitTime = constant(1);
    static override tasks = [Checkout];
  }
  await runFor(Buyer, 5500);
  assert.deepEqual(order, ['cart', 'pay', 'pay', 'done', 'cart', 'pay']);
});

test('measure() records one request (a throw: failure kind other, not an exception); check() never throws', async () => {
  const { recorder, runFor, clock } = setup();
  class Custom extends User {
    static override waitTime = constant(10);
    @task async call() {
      const value = await this.measure('rpc ok', async () => {
        await clock.sleep(5);
        return 42;
      }, { method: 'grpc' });
      this.check('value is 42', value === 42);
      this.check('throwing check', () => {
        throw new Error('x');
      });
      await this.measure('rpc bad', () => {
        throw new Error('unavailable');
      });
    }
  }
  await runFor(Custom, 100);
  assert.deepEqual(recorder.requests, [
    { method: 'grpc', name: 'rpc ok', latencyUs: 5000, error: undefined },
    { method: 'CUSTOM', name: 'rpc bad', latencyUs: 0, error: { kind: 'other', message: 'unavailable' } },
  ]);
  assert.deepEqual(recorder.checks, [{ name: 'value is 42', passed: true }, { name: 'throwing check', passed: false }]);
  assert.equal(recorder.exceptions.length, 0);
});

test('a stop during the wait ends the user at once', async () => {
  const { clock, controller, ctx } = setup();
  const events: string[] = [];
  class Sleepy extends User {
    static override waitTime = constant(3600);
    @task work() {
      events.push('task');
    }
    override onStop() {
      events.push(`stop@${clock.now()}`);
    }
  }
  const done = runUser(Sleepy, ctx);
  await clock.advance(10);
  controller.abort();
  await done;
  assert.deepEqual(events, ['task', 'stop@10']);
});

test('createUserInstance + runOneTask: one task per call, no wait, session flushed', async () => {
  const { ctx, session } = setup();
  const seen: string[] = [];
  class Iter extends HttpUser {
    static override waitTime = constant(60);
    override onStart() {
      seen.push('start');
    }
    @task async get() {
      seen.push('task');
    }
    override onStop() {
      seen.push('stop');
    }
  }
  const iterations: string[] = [];
  const instance = createUserInstance(Iter, { ...ctx, userIndex: 4, onIteration: (i) => iterations.push(`${i.userIndex}:${i.task}`) });
  assert.equal(await startUser(instance), 'ok');
  for (let i = 0; i < 3; i++) assert.equal(await runOneTask(instance), 'ok');
  await stopUser(instance);
  assert.deepEqual(seen, ['start', 'task', 'task', 'task', 'stop']);
  assert.deepEqual(iterations, ['4:get', '4:get', '4:get']);
  assert.equal(session.flushes, 3);
  assert.equal(instance.user.environment.host, 'http://127.0.0.1:1');
});

test('an HttpUser without a session is recorded, logged, and does not run', async () => {
  const { ctx, recorder, logger } = setup();
  class Web extends HttpUser {
    @task t() {}
  }
  await runUser(Web, { ...ctx, session: undefined });
  assert.equal((recorder.exceptions[0] as any).code, 'STAMPEDE_ERR_NO_HOST');
  assert.equal(logger.lines[0]?.level, 'error');
});

test('users that stopped leave no listener on the run signal (24-hour runs churn users)', async () => {
  const { ctx, controller, clock } = setup();
  class OneShot extends User {
    @task t() {
      this.stop();
    }
  }
  class BadStart extends User {
    override onStart() {
      throw new Error('no');
    }
    @task t() {}
  }
  await Promise.all(Array.from({ length: 50 }, (_, i) => runUser(i % 2 ? OneShot : BadStart, { ...ctx, userIndex: i })));
  await clock.settle();
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});
