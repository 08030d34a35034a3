// A user's stop signal is a StopLatch (issue 11 goal 3: no AbortController per user); it must behave as the
// part of AbortSignal the runner uses, and user code still gets a real AbortSignal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StopLatch } from '../../src/stop-latch.ts';
import { systemClock } from '../../src/clock.ts';
import { User, constant, createRandom, runUser, task, type RunUserContext } from '../../src/internals.ts';
import { FakeClock } from './fake-clock.ts';
import { FakeLogger, FakeRecorder } from './user-fakes.ts';

test('listeners run once, in order, and not after removal; adding after abort does nothing', () => {
  const latch = new StopLatch();
  const calls: string[] = [];
  const a = () => calls.push('a');
  const b = () => calls.push('b');
  const c = () => calls.push('c');
  latch.addEventListener('abort', a);
  latch.addEventListener('abort', b);
  latch.addEventListener('abort', c);
  latch.removeEventListener('abort', b);
  latch.removeEventListener('abort', () => undefined);
  assert.equal(latch.aborted, false);
  latch.abort();
  latch.abort();
  assert.deepEqual(calls, ['a', 'c']);
  latch.addEventListener('abort', a);
  latch.abort();
  assert.deepEqual(calls, ['a', 'c']);
});

test('the AbortSignal is made on first use and aborts with the latch, before or after', () => {
  const before = new StopLatch();
  const signal = before.signal;
  assert.equal(signal, before.signal, 'one signal per latch');
  assert.equal(signal.aborted, false);
  before.abort();
  assert.equal(signal.aborted, true);
  const after = new StopLatch();
  after.abort();
  assert.equal(after.signal.aborted, true);
});

test('a sleep on the system clock ends early when its latch flips, and leaves no listener behind', async () => {
  const latch = new StopLatch();
  const started = performance.now();
  const sleeping = systemClock.sleep(10_000, latch);
  setTimeout(() => latch.abort(), 20);
  await sleeping;
  assert.ok(performance.now() - started < 5_000);
  // A sleep that ends by its timer takes its listener back (a user sleeps thousands of times on one latch).
  const other = new StopLatch();
  const live = new Set<() => void>();
  const add = other.addEventListener.bind(other);
  const remove = other.removeEventListener.bind(other);
  other.addEventListener = (type, listener) => (live.add(listener), add(type, listener));
  other.removeEventListener = (type, listener) => (live.delete(listener), remove(type, listener));
  for (let i = 0; i < 3; i++) await systemClock.sleep(2, other);
  assert.equal(live.size, 0);
});

test("user code's this.environment.signal is a real AbortSignal, aborted when the user is stopped", async () => {
  const clock = new FakeClock();
  const run = new StopLatch();
  const seen: AbortSignal[] = [];
  class Watcher extends User {
    static override waitTime = constant(1);
    @task tick() {
      seen.push(this.environment.signal);
    }
  }
  const ctx: RunUserContext = { clock, logger: new FakeLogger(), recorder: new FakeRecorder(), signal: run, rng: createRandom(1) };
  const done = runUser(Watcher, ctx);
  await clock.advance(2_500);
  assert.ok(seen.length >= 2);
  assert.ok(seen[0] instanceof AbortSignal);
  assert.equal(seen[0]!.aborted, false);
  run.abort();
  await clock.advance(60_000);
  await done;
  assert.equal(seen[0]!.aborted, true);
  assert.ok(seen.every((s) => s === seen[0]), 'one signal per user');
});
