/**
 * Issue 12: the `stampede` CLI under faults, end to end — spawn it against misbehaving fixtures, read its output,
 * its exit code and its report. (cli-run.test.ts already covers exit codes 1–4 on a healthy target.)
 * The scripts live in their own directory, so the bundles built next to them never race cli-run.test.ts's check
 * that its script directory is left clean.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { validateReport } from '../../src/report/schema.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';
import { startHugeBodyServer } from '../fixtures/misbehaving-servers.ts';
import { startCountingHangServer, startFlappingServer } from '../fixtures/reliability-servers.ts';

const root = new URL('../../../../', import.meta.url).pathname;
const bin = path.join(root, 'packages/stampede/bin/stampede.js');
const scripts = path.join(root, 'packages/stampede/test/fixtures/reliability-scripts');
const script = (name: string) => path.join(scripts, name);

interface CliRun {
  pid: number;
  /** Peak resident set of the CLI process (main + user threads), bytes, sampled from /proc every 100 ms. */
  peakRssBytes(): number;
  result: Promise<{ code: number | null; stdout: string; stderr: string; exitedAtMs: number }>;
}

function startCli(args: string[], killAfterMs = 90_000): CliRun {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root });
  let stdout = '';
  let stderr = '';
  let peak = 0;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const sampler = setInterval(() => {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // The process has just exited.
    }
  }, 100);
  // Bounded: no CLI run in these tests may outlive killAfterMs.
  const kill = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const result = new Promise<{ code: number | null; stdout: string; stderr: string; exitedAtMs: number }>((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(kill);
      clearInterval(sampler);
      resolve({ code, stdout, stderr, exitedAtMs: performance.now() });
    });
  });
  return { pid: child.pid!, peakRssBytes: () => peak, result };
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

function tempDir(): { dir: string; json: string; done(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-reliability-'));
  return { dir, json: path.join(dir, 'r.json'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

function readReport(file: string) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(validateReport(report), []);
  return report;
}

function errorsByKind(report: { errors: Array<{ kind: string; count: number }> }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of report.errors) out[e.kind] = (out[e.kind] ?? 0) + e.count;
  return out;
}

test('a target down for less than the abort window: the run goes on (not aborted), refusals in the report and its time series, exit 1 for them', async () => {
  const server = await startFlappingServer();
  const tmp = tempDir();
  try {
    const run = startCli(['-f', script('reliability-poll-users.ts'), '--headless', '-u', '3', '-r', '10', '-t', '6s', '--threads', '1', '--host', server.url, '--json', tmp.json, '--only-summary', '--abort-after-failures', '4s']);
    await until(() => server.served() > 20);
    await server.down();
    await sleep(1500);
    await server.up();
    const res = await run.result;
    assert.equal(res.code, 1, res.stderr); // failed requests or exceptions exit 1 (issue #18), never 3: the run went on
    const report = readReport(tmp.json);
    const kinds = errorsByKind(report);
    assert.ok(kinds.connect_refused! > 0, JSON.stringify(report.errors));
    assert.equal(report.totals.requests - report.totals.failures <= server.served(), true);
    const series = report.timeseries as Array<{ rps: number; failures_per_s: number }>;
    const firstFailing = series.findIndex((p) => p.failures_per_s > 0);
    assert.ok(firstFailing >= 0, 'the outage is in the time series');
    assert.ok(series.slice(firstFailing).some((p) => p.failures_per_s === 0 && p.rps > 0), 'and so is the recovery');
    assert.match(res.stdout, /\[connect_refused\]/, 'the error table names the kind');
  } finally {
    await server.close();
    tmp.done();
  }
});

test('only failures for the abort window: the run aborts with exit 3 and still writes its report', async () => {
  const server = await startFlappingServer();
  const tmp = tempDir();
  try {
    const run = startCli(['-f', script('reliability-poll-users.ts'), '--headless', '-u', '2', '-r', '10', '-t', '60s', '--threads', '1', '--host', server.url, '--json', tmp.json, '--only-summary', '--abort-after-failures', '2s']);
    await until(() => server.served() > 5);
    await server.down();
    const res = await run.result;
    assert.equal(res.code, 3, res.stderr);
    assert.match(res.stderr, /only failures for 2s/);
    const report = readReport(tmp.json);
    assert.equal(report.partial, true);
    assert.ok(errorsByKind(report).connect_refused! > 0);
    assert.ok(report.duration_s < 30, `aborted early, not at -t: ${report.duration_s}`);
  } finally {
    await server.close();
    tmp.done();
  }
});

test('a hanging target: requests in flight at the end are in the report as interrupted, exactly as many as the target swallowed', async () => {
  const server = await startCountingHangServer();
  const tmp = tempDir();
  try {
    const res = await startCli(['-f', script('reliability-poll-users.ts'), '--headless', '-u', '4', '-r', '20', '-t', '2s', '--stop-timeout', '1s', '--threads', '2', '--host', server.url, '--json', tmp.json, '--only-summary']).result;
    assert.equal(res.code, 1, res.stderr); // failed requests or exceptions exit 1 (issue #18), never 3: the run went on
    const report = readReport(tmp.json);
    assert.equal(server.received(), 4);
    assert.equal(report.totals.requests, 4);
    assert.equal(report.totals.interrupted, 4);
    assert.deepEqual(errorsByKind(report), { interrupted: 4 });
  } finally {
    await server.close();
    tmp.done();
  }
});

test('SIGTERM: reports written within the stop timeout, marked partial, in-flight requests interrupted, exit 4', async () => {
  const server = await startCountingHangServer();
  const tmp = tempDir();
  try {
    const run = startCli(['-f', script('reliability-poll-users.ts'), '--headless', '-u', '3', '-r', '30', '-t', '60s', '--stop-timeout', '2s', '--threads', '1', '--host', server.url, '--json', tmp.json, '--only-summary']);
    await until(() => server.received() === 3);
    const signalledAt = performance.now();
    process.kill(run.pid, 'SIGTERM');
    const res = await run.result;
    assert.equal(res.code, 4, res.stderr);
    // Issue #24: not `< 2 s + 5 s`, a wall-clock bound on a loaded machine. The claim is that the signal ends the
    // run (hung requests interrupted at the stop timeout) instead of its 60 s run time.
    assert.ok(res.exitedAtMs - signalledAt < 40_000, `exited ${Math.round(res.exitedAtMs - signalledAt)} ms after the signal`);
    const report = readReport(tmp.json);
    assert.equal(report.partial, true);
    assert.equal(report.totals.requests, 3);
    assert.equal(report.totals.interrupted, 3);
  } finally {
    await server.close();
    tmp.done();
  }
});

test('SIGINT with a task that never yields: its thread is ended at the stop timeout, exit 4 within it plus a margin, the others\' counts reported', async () => {
  const server = await startCountingServer();
  const tmp = tempDir();
  try {
    // Two threads: the Poller on one, the Spinner on the other (one user each, least loaded thread first).
    const run = startCli(['-f', script('reliability-spinning-users.ts'), '--headless', '-u', '2', '-r', '20', '-t', '60s', '--stop-timeout', '2s', '--threads', '2', '--host', server.url, '--json', tmp.json, '--only-summary']);
    await until(() => server.count('GET', '/spin') === 1 && server.count('GET', '/poll') > 20);
    const signalledAt = performance.now();
    process.kill(run.pid, 'SIGINT');
    const res = await run.result;
    const exitMs = Math.round(res.exitedAtMs - signalledAt);
    console.log(`# SIGINT with a spinning thread, --stop-timeout 2s: exited ${exitMs} ms after the signal`);
    assert.equal(res.code, 4, res.stderr);
    // Before: the stop timeout + 3 s waiting for the thread + 2 s closing it (15.2 s with a 10 s stop timeout).
    // Now: the stop timeout + 1.5 s for an answer, then worker.terminate(); 1.5 s more is the machine's share.
    assert.ok(exitMs < 2_000 + 3_000, `exited ${exitMs} ms after the signal`);
    assert.match(res.stderr, /user thread \d did not answer the stop within --stop-timeout \+ 1\.5 s \(a task that never yields\?\): ended/);
    const report = readReport(tmp.json);
    assert.equal(report.partial, true);
    const poll = report.endpoints.find((e: { name: string }) => e.name === '/poll');
    // The Poller's thread answered: every request it sent is in the report.
    assert.equal(poll.requests, server.count('GET', '/poll'));
  } finally {
    await server.close();
    tmp.done();
  }
});

test('a second signal exits at once, without waiting for the stop timeout', async () => {
  const server = await startCountingHangServer();
  try {
    const run = startCli(['-f', script('reliability-poll-users.ts'), '--headless', '-u', '2', '-r', '20', '-t', '60s', '--stop-timeout', '60s', '--threads', '1', '--host', server.url, '--only-summary']);
    await until(() => server.received() === 2);
    const signalledAt = performance.now();
    process.kill(run.pid, 'SIGINT');
    await sleep(300);
    process.kill(run.pid, 'SIGINT');
    const res = await run.result;
    assert.equal(res.code, 4, res.stderr);
    assert.match(res.stderr, /second SIGINT, exiting at once/);
    assert.ok(res.exitedAtMs - signalledAt < 10_000, 'did not wait for the 60 s stop timeout');
  } finally {
    await server.close();
  }
});

test('a task that throws and an onStart that throws: the run survives (exit 1 for the exceptions), both counted as exceptions', async () => {
  const server = await startCountingServer();
  const tmp = tempDir();
  try {
    const res = await startCli(['-f', script('reliability-throwing-users.ts'), '--headless', '-u', '4', '-r', '20', '-t', '3s', '--threads', '1', '--host', server.url, '--json', tmp.json, '--only-summary']).result;
    assert.equal(res.code, 1, res.stderr); // failed requests or exceptions exit 1 (issue #18), never 3: the run went on
    const report = readReport(tmp.json);
    // Exceptions are kept apart by message and stack: sum the entries of each message.
    const count = (text: string) => report.exceptions.filter((x: { message: string }) => x.message.includes(text)).reduce((n: number, x: { count: number }) => n + x.count, 0);
    assert.ok(count('task boom') > 0, JSON.stringify(report.exceptions));
    // Weights 3:1 over 4 users: one StartThrower slot. A slot freed during the ramp may be filled again, so the
    // failed onStart is counted once per StartThrower started: at least once, never more than the ramp allows.
    assert.ok(count('onStart boom') >= 1 && count('onStart boom') <= 4, JSON.stringify(report.exceptions));
    assert.match(res.stderr, /onStart failed, this user stops: .*onStart boom/);
    assert.ok(report.totals.requests > 50, 'the other users went on requesting');
    assert.equal(report.totals.requests, server.total());
    assert.equal(server.count('GET', '/never'), 0);
    assert.equal(report.totals.failures, 0, 'exceptions are not request failures');
    assert.match(res.stdout, /Exceptions/);
  } finally {
    await server.close();
    tmp.done();
  }
});

test('a script that fails to load: exit 2 with one line, before any load', async () => {
  const server = await startCountingServer();
  try {
    const res = await startCli(['-f', script('reliability-load-fails.ts'), '--headless', '-u', '2', '-t', '2s', '--host', server.url]).result;
    assert.equal(res.code, 2, res.stderr);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
    assert.match(res.stderr, /STAMPEDE_TEST_RELIABILITY_NEVER_SET is required/);
    assert.equal(server.total(), 0);
  } finally {
    await server.close();
  }
});

test('a saturated generator is flagged in the console and in the report', async () => {
  const server = await startCountingServer();
  const tmp = tempDir();
  try {
    const res = await startCli(['-f', script('reliability-saturating-users.ts'), '--headless', '-u', '2', '-r', '20', '-t', '3s', '--threads', '1', '--host', server.url, '--json', tmp.json, '--only-summary']).result;
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /WARNING: the load generator was saturated/);
    const report = readReport(tmp.json);
    assert.equal(report.generator.saturated, true);
    assert.ok(report.generator.loop_lag_p99_ms > 50, JSON.stringify(report.generator));
  } finally {
    await server.close();
    tmp.done();
  }
});

/** Stated bound: 100 users on 2 threads against a 100 MB body stay under this resident set (CLI process, from /proc). */
const HUGE_BODY_RSS_BOUND_BYTES = 768 * 1024 * 1024;

for (const declareLength of [true, false]) {
  test(`100 users against a 100 MB ${declareLength ? 'declared' : 'chunked'} body: body_too_large, memory within ${HUGE_BODY_RSS_BOUND_BYTES / 2 ** 20} MiB`, async () => {
    const server = await startHugeBodyServer({ bodyBytes: 100 * 1024 * 1024, declareLength });
    const tmp = tempDir();
    try {
      const run = startCli(['-f', script('reliability-huge-body-users.ts'), '--headless', '-u', '100', '-r', '100', '-t', '6s', '--threads', '2', '--stop-timeout', '2s', '--host', server.url, '--json', tmp.json, '--only-summary']);
      const res = await run.result;
      assert.equal(res.code, 1, res.stderr); // failed requests or exceptions exit 1 (issue #18), never 3: the run went on
      const report = readReport(tmp.json);
      const kinds = errorsByKind(report);
      assert.ok(kinds.body_too_large! > 0, JSON.stringify(report.errors));
      assert.deepEqual(Object.keys(kinds).filter((k) => k !== 'body_too_large' && k !== 'interrupted'), []);
      assert.equal(report.totals.requests, report.totals.failures, 'no 100 MB body is ever accepted');
      const peakMiB = Math.round(run.peakRssBytes() / 2 ** 20);
      assert.ok(run.peakRssBytes() > 0);
      assert.ok(run.peakRssBytes() < HUGE_BODY_RSS_BOUND_BYTES, `peak RSS ${peakMiB} MiB`);
      console.log(`# huge body (${declareLength ? 'declared' : 'chunked'}): peak RSS ${peakMiB} MiB, ${report.totals.requests} requests`);
    } finally {
      await server.close();
      tmp.done();
    }
  });
}
