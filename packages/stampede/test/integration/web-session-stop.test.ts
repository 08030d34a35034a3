// The web UI's Stop must never be lost (found by the Chromium test once startup got faster): a stop while a
// test is starting ends it before any user runs, and a stop of the next test is not swallowed by the previous
// test's stop that is still closing its threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/clock.ts';
import { InProcessUserThread } from '../../src/runner/in-process-thread.ts';
import { LocalRunner } from '../../src/runner/local-runner.ts';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { User } from '../../src/user/user.ts';
import { task } from '../../src/user/task.ts';
import { constant } from '../../src/user/wait-time.ts';
import { TestSession, type WebRun } from '../../src/web/test-session.ts';

let iterations = 0;
class Ticker extends User {
  static override waitTime = constant(0.01);
  @task tick() {
    iterations++;
  }
}

function session(o: { createDelayMs?: number; closeGate?: Promise<void> } = {}) {
  const closed: WebRun[] = [];
  const s = new TestSession<WebRun>({
    classes: [{ name: 'Ticker', weight: 1, fixedCount: 0, tasks: ['tick'] }] as never,
    defaults: { users: 1, spawnRate: 10, host: '', runTime: '' } as never,
    parseRunTimeS: (t) => Number(t),
    stopTimeoutMs: 500,
    clock: systemClock,
    async createRun() {
      const aggregate = new Aggregate();
      const thread = new InProcessUserThread({ threadId: 0, logLevel: 'error', maxNames: 100, seed: 1 }, [Ticker]);
      const runner = new LocalRunner({ threads: [thread], aggregate, clock: systemClock, logger: { log: () => {} }, classForUser: () => 'Ticker' });
      await runner.waitReady();
      await new Promise((r) => setTimeout(r, o.createDelayMs ?? 0));
      return { runner, aggregate };
    },
    async closeRun(run) {
      await o.closeGate;
      await run.runner.close();
      closed.push(run);
    },
  });
  return { s, closed };
}

const config = { users: 2, spawnRate: 100, host: undefined, runTimeS: undefined, userClasses: ['Ticker'] };

test('a stop while the test is starting ends it before any user runs', async () => {
  const { s, closed } = session({ createDelayMs: 200 });
  iterations = 0;
  const starting = s.start(config);
  assert.equal(s.state, 'starting');
  await s.stop();
  await starting;
  assert.equal(s.state, 'stopped');
  assert.equal(closed.length, 1);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(iterations, 0, 'no user ran');
});

/** Polls `check` every 10 ms until it holds, or fails after a generous deadline. */
async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
  }
}

test("the next test's stop is not swallowed while the previous test still closes its threads", async () => {
  // Issue #24: the first test's threads used to take 600 ms to close and the test slept 100 + 50 ms, so a slow
  // machine could see them closed already. Now they close only when the test opens the gate.
  let openGate!: () => void;
  const { s, closed } = session({ closeGate: new Promise<void>((resolve) => (openGate = resolve)) });
  iterations = 0;
  await s.start(config);
  await until('the users to run', () => iterations > 0);
  const firstStop = s.stop();
  await until('the first test to be stopped', () => s.state === 'stopped');
  assert.equal(closed.length, 0, 'the first run is still closing');
  await s.start(config);
  const ranBefore = iterations;
  await until('the next test\'s users to run', () => iterations > ranBefore);
  assert.notEqual(s.state, 'stopped');
  const secondStop = s.stop();
  openGate();
  await secondStop;
  assert.equal(s.state, 'stopped');
  await firstStop;
  assert.equal(closed.length, 2);
});
