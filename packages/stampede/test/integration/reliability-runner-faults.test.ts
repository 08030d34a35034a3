// Issue 12: a run keeps its numbers straight while the target misbehaves. A LocalRunner on in-process threads and the
// real clock drives users against the misbehaving fixtures; every count is checked against what the fixture saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../src/clock.ts';
import { createHttpSession } from '../../src/http/session.ts';
import type { HttpSessionHandle } from '../../src/http/types.ts';
import { InProcessUserThread } from '../../src/runner/in-process-thread.ts';
import { LocalRunner } from '../../src/runner/local-runner.ts';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { HttpUser, User } from '../../src/user/user.ts';
import { task } from '../../src/user/task.ts';
import { constant } from '../../src/user/wait-time.ts';
import type { UserClass } from '../../src/user/user.ts';
import { startHangingServer, startSlowDripServer } from '../fixtures/misbehaving-servers.ts';
import { MIXED_FAULT_PATHS, startCountingHangServer, startFlappingServer, startMixedFaultServer } from '../fixtures/reliability-servers.ts';

const silent = { log: () => {} };

/** A runner over one in-process thread with the real clock; `host` is the --host of the run. */
async function startRun(cls: UserClass, host: string, users: number) {
  const aggregate = new Aggregate();
  const thread = new InProcessUserThread({ threadId: 0, host, logLevel: 'error', maxNames: 100, seed: 12 }, [cls]);
  const runner = new LocalRunner({ threads: [thread], aggregate, clock: systemClock, logger: silent, classForUser: () => cls.name });
  await runner.waitReady();
  runner.start(users, 1000);
  return {
    aggregate,
    runner,
    async stop(stopTimeoutMs = 1000) {
      await runner.stop(stopTimeoutMs);
      await runner.close();
    },
  };
}

class Poller extends HttpUser {
  static override waitTime = constant(0.02);
  @task async poll() {
    await this.client.get('/x');
  }
}

test('a target that dies mid-run and comes back: the run goes on, refusals counted by kind and seen in the time series', async () => {
  const server = await startFlappingServer();
  const run = await startRun(Poller, server.url, 4);
  try {
    await sleep(1500);
    await server.down();
    await sleep(2500);
    await server.up();
    await sleep(2500);
  } finally {
    await run.stop();
    await server.close();
  }
  const { aggregate, runner } = run;
  const totals = aggregate.totals();
  const byKind = new Map<string, number>();
  for (const e of aggregate.errors()) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + e.count);
  assert.ok((byKind.get('connect_refused') ?? 0) > 0, `refusals counted: ${JSON.stringify([...byKind])}`);
  assert.deepEqual([...byKind.keys()].filter((k) => k !== 'connect_refused' && k !== 'reset'), [], 'only refusals (and resets of cut sockets)');
  // Every success reached the server; a request cut by the shutdown may have reached it and still failed (reset).
  const successes = totals.requests - totals.failures;
  assert.ok(server.served() >= successes && server.served() <= successes + (byKind.get('reset') ?? 0), `${server.served()} vs ${successes}`);
  const points = aggregate.timeseries();
  const firstFailing = points.findIndex((p) => p.failures_per_s > 0);
  assert.ok(firstFailing > 0, 'the outage shows in the time series');
  const recovered = points.slice(firstFailing).filter((p) => p.failures_per_s === 0 && p.rps > 0);
  assert.ok(recovered.length >= 1, `the run went on and recovered: ${JSON.stringify(points)}`);
  assert.equal(runner.counters.iterations >= totals.requests, true);
});

class FaultWalker extends HttpUser {
  static override waitTime = constant(0);
  step = 0;
  @task async walk() {
    const paths = Object.values(MIXED_FAULT_PATHS);
    await this.client.get(paths[this.step++ % paths.length]!);
  }
}

test('malformed answers, resets, garbage and huge headers on one origin: classified, counted exactly, socket discarded', async () => {
  const server = await startMixedFaultServer();
  const run = await startRun(FaultWalker, server.url, 5);
  try {
    await sleep(2000);
  } finally {
    await run.stop();
    await server.close();
  }
  const endpoints = new Map(run.aggregate.endpoints().map((e) => [e.name, e]));
  const kinds = new Map<string, Set<string>>();
  for (const e of run.aggregate.errors()) {
    if (!kinds.has(e.name)) kinds.set(e.name, new Set());
    kinds.get(e.name)!.add(e.kind);
  }
  const expected: Record<string, string> = {
    [MIXED_FAULT_PATHS.garbage]: 'parse_error',
    [MIXED_FAULT_PATHS.reset]: 'reset',
    [MIXED_FAULT_PATHS.hugeHeaders]: 'parse_error',
    [MIXED_FAULT_PATHS.malformed]: 'parse_error',
  };
  let broken = 0;
  for (const [path, kind] of Object.entries(expected)) {
    const e = endpoints.get(path);
    assert.ok(e && e.requests > 10, `${path} was requested`);
    assert.equal(e.requests, server.count(path), `${path}: counted exactly what the server received`);
    assert.equal(e.failures, e.requests, `${path}: every answer failed`);
    assert.deepEqual([...(kinds.get(path) ?? [])], [kind], path);
    broken += e.requests;
  }
  const ok = endpoints.get(MIXED_FAULT_PATHS.ok)!;
  assert.equal(ok.requests, server.count(MIXED_FAULT_PATHS.ok));
  // A broken socket handed back to the pool would fail the next /ok request on it.
  assert.equal(ok.failures, 0, 'no good request ever ran on a broken socket');
  assert.ok(server.connections() >= broken, `every broken answer cost its socket: ${server.connections()} connections, ${broken} broken`);
});

/** Headers and body timeouts are session settings: this user opens its own session, recording into the run. */
class TimeoutProbe extends User {
  static override waitTime = constant(0);
  static hangUrl = '';
  static dripUrl = '';
  session!: HttpSessionHandle;
  override onStart() {
    this.session = createHttpSession({ baseUrl: TimeoutProbe.hangUrl, recorder: this.environment.recorder, headersTimeoutMs: 300, bodyTimeoutMs: 300, totalTimeoutMs: 20_000 });
  }
  override async onStop() {
    await this.session.close();
  }
  @task async probe() {
    await this.session.get('/headers');
    await this.session.get(`${TimeoutProbe.dripUrl}/body`, { name: '/body' });
  }
}

class TotalTimeoutProbe extends HttpUser {
  static override waitTime = constant(0);
  @task async probe() {
    await this.client.get('/total', { timeoutMs: 400 });
  }
}

test('a hanging or dripping target: headers, body and total timeouts fire inside a run and are counted as timeouts', async () => {
  const hang = await startHangingServer();
  const slowBody = await startSlowDripServer({ intervalMs: 5_000 });
  const drip = await startSlowDripServer({ intervalMs: 10, bodyBytes: 1_000_000 });
  TimeoutProbe.hangUrl = hang.url;
  TimeoutProbe.dripUrl = slowBody.url;
  const a = await startRun(TimeoutProbe, hang.url, 2);
  const b = await startRun(TotalTimeoutProbe, drip.url, 2);
  try {
    await sleep(3500);
  } finally {
    await Promise.all([a.stop(3000), b.stop(3000)]);
    await Promise.all([hang.close(), slowBody.close(), drip.close()]);
  }
  const messages = (agg: Aggregate) => new Map(agg.errors().filter((e) => e.kind === 'timeout').map((e) => [e.name, e.error]));
  const ab = messages(a.aggregate);
  assert.equal(ab.get('/headers'), 'headers timeout (300 ms)');
  assert.equal(ab.get('/body'), 'body timeout (300 ms)');
  assert.equal(messages(b.aggregate).get('/total'), 'total timeout (400 ms)');
  for (const agg of [a.aggregate, b.aggregate]) {
    const t = agg.totals();
    assert.ok(t.requests > 0);
    assert.equal(t.failures, t.requests, 'every probe failed, none vanished');
  }
});

class Hanger extends HttpUser {
  @task async hang() {
    await this.client.get('/forever');
  }
}

test('requests in flight at the stop are reported as interrupted, never dropped from the counts', async () => {
  const server = await startCountingHangServer();
  const run = await startRun(Hanger, server.url, 6);
  try {
    for (let i = 0; i < 100 && server.received() < 6; i++) await sleep(20);
  } finally {
    await run.stop(300);
    await server.close();
  }
  const totals = run.aggregate.totals();
  assert.equal(server.received(), 6);
  assert.equal(totals.requests, 6, 'each request the server swallowed is counted');
  assert.equal(totals.interrupted, 6);
  assert.equal(totals.failures, 6);
  assert.deepEqual(run.aggregate.errors().map((e) => [e.kind, e.count]), [['interrupted', 6]]);
});
