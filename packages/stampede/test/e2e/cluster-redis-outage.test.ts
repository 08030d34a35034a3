/**
 * Distributed mode when Redis restarts or goes away, and when the master dies (issue #19, item 3), on real
 * processes and a private redis-server the test SIGKILLs and starts again on the same port:
 * - an outage shorter than --redis-grace is ridden out: the run completes and the target served exactly what the
 *   report counts;
 * - past the grace the master ends the run with exit 5 and a partial report, and the workers stop sending;
 * - the master answers SIGINT while Redis is down (exit 4, reports written);
 * - the web-UI master stops its test past the grace (partial, exit 5 at the signal) and its UI stays up;
 * - a master killed mid-run: the workers stop sending (polled with a generous deadline, no timing bound asserted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JsonReport } from '../../src/report/report-types.ts';
import { validateReport } from '../../src/report/schema.ts';
import { spawnStampede, type StampedeProcess } from '../fixtures/cluster-processes.ts';
import { startCountingServer, type CountingServer } from '../fixtures/counting-server.ts';
import { startPrivateRedis, type PrivateRedis } from '../fixtures/private-redis.ts';
import { action, pageToken, rawRequest, waitFor } from '../integration/web-harness.ts';

const scripts = new URL('../fixtures/scripts', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Cluster {
  redis: PrivateRedis;
  server: CountingServer;
  dir: string;
  json: string;
  master: StampedeProcess;
  workers: StampedeProcess[];
}

/**
 * A private Redis, a counting target, two one-thread workers and a master writing `report.json`: headless, or
 * serving its web UI (`web`; the test then starts from the UI).
 */
async function startCluster(masterFlags: string[], workerFlags: string[] = [], web = false): Promise<Cluster> {
  const redis = await startPrivateRedis();
  const server = await startCountingServer({ '/fast': { body: 'fast' } });
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-redis-outage-'));
  const json = path.join(dir, 'report.json');
  const common = ['--redis', redis.url, '--namespace', 'outage'];
  const workers = [0, 1].map(() => spawnStampede(['worker', ...common, '--threads', '1', ...workerFlags], {}, 120_000));
  const master = spawnStampede([
    'master', ...common, '--expect-workers', '2', '--expect-workers-timeout', '60s',
    '-f', path.join(scripts, 'counting-users.ts'), '--host', server.url, ...(web ? ['--web-port', '0'] : ['--headless', '--only-summary']),
    '-u', '4', '-r', '4', '--stop-timeout', '2s', '--json', json, ...masterFlags,
  ], {}, 120_000);
  return { redis, server, dir, json, master, workers };
}

async function stopCluster(c: Cluster): Promise<void> {
  for (const p of [c.master, ...c.workers]) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all([c.master, ...c.workers].map((p) => p.exited));
  await c.redis.kill();
  await c.server.close();
  rmSync(c.dir, { recursive: true, force: true });
}

/**
 * Resolves once the target has seen no request for 2 s in a row (the load stopped); rejects when it still sees
 * requests after `deadlineMs`. Polled: no bound on how fast it stops is asserted here.
 */
async function waitUntilNoMoreRequests(server: CountingServer, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last = server.total();
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(250);
    const now = server.total();
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= 2000) {
      return;
    }
  }
  throw new Error(`the target still received requests ${deadlineMs / 1000}s later (${server.total()} so far)`);
}

function readReport(json: string): JsonReport {
  const report = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;
  assert.deepEqual(validateReport(report), [], 'report matches the schema');
  return report;
}

test('a Redis restart within --redis-grace is ridden out: the run completes and the target count equals the report', async () => {
  const c = await startCluster(['-t', '15s', '--redis-grace', '20s'], ['--redis-grace', '20s']);
  try {
    await c.master.waitFor(/starting 4 users/, 60_000);
    await sleep(4000);
    const before = c.server.total();
    assert.ok(before > 0, 'load reached the target before the outage');
    await c.redis.kill();
    // Longer than the 3 s after which a silent worker is missing: the outage must not count as the workers' silence.
    await sleep(4000);
    await c.redis.start();
    const { code } = await c.master.exited;
    assert.equal(code, 0, c.master.output());
    const report = readReport(c.json);
    assert.equal(report.partial, false, 'the run was not cut short');
    assert.ok(c.server.total() > before, 'the load went on after the outage');
    assert.equal(report.totals.requests, c.server.total(), 'every request the target served is in the report, once');
    assert.equal(report.workers?.length, 2);
    assert.ok(report.workers.every((w) => w.lost_at === undefined), `no worker lost: ${JSON.stringify(report.workers)}`);
    for (const w of c.workers) assert.equal((await w.exited).code, 0, w.output());
    assert.equal(c.server.total(), report.totals.requests, 'nothing was sent after the run');
  } finally {
    await stopCluster(c);
  }
});

test('Redis gone past --redis-grace: the master ends the run with exit 5 and a partial report; the workers stop sending', async () => {
  const c = await startCluster(['-t', '60s', '--redis-grace', '3s'], ['--redis-grace', '3s']);
  try {
    await c.master.waitFor(/starting 4 users/, 60_000);
    await sleep(2000);
    await c.redis.kill();
    const { code } = await c.master.exited;
    assert.equal(code, 5, c.master.output());
    assert.match(c.master.output(), /Redis has not answered for \d+\.\ds \(--redis-grace 3s\): stopping the run/);
    const report = readReport(c.json);
    assert.equal(report.partial, true);
    assert.ok(report.duration_s < 40, `stopped early: ${report.duration_s}s`);
    assert.ok(report.totals.requests > 0);
    await waitUntilNoMoreRequests(c.server, 30_000);
    for (const w of c.workers) {
      assert.equal((await w.exited).code, 5, w.output());
      assert.match(w.output(), /Redis has not answered for \d+s \(--redis-grace 3s\); stopping/);
    }
  } finally {
    await stopCluster(c);
  }
});

test('the master answers SIGINT while Redis is down: exit 4 with a partial report; a second SIGINT is never needed', async () => {
  const c = await startCluster(['-t', '60s', '--redis-grace', '60s'], ['--redis-grace', '60s']);
  try {
    await c.master.waitFor(/starting 4 users/, 60_000);
    await sleep(2000);
    await c.redis.kill();
    await sleep(1000);
    c.master.child.kill('SIGINT');
    const { code } = await c.master.exited;
    assert.equal(code, 4, c.master.output());
    assert.equal(readReport(c.json).partial, true);
    // Redis back: the master's heartbeat is gone, so the workers stop sending and leave.
    await c.redis.start();
    await waitUntilNoMoreRequests(c.server, 30_000);
    for (const w of c.workers) assert.equal((await w.exited).code, 0, w.output());
  } finally {
    await stopCluster(c);
  }
});

test('a master killed mid-run: the workers stop sending (the target sees no more requests) and exit', async () => {
  const c = await startCluster(['-t', '60s']);
  try {
    await c.master.waitFor(/starting 4 users/, 60_000);
    await sleep(2000);
    const before = c.server.total();
    assert.ok(before > 0, 'load reached the target');
    c.master.child.kill('SIGKILL');
    await c.master.exited;
    await waitUntilNoMoreRequests(c.server, 30_000);
    for (const w of c.workers) {
      assert.equal((await w.exited).code, 0, w.output());
      assert.match(w.output(), /no heartbeat from the master for 2\.0s; stopping/);
    }
  } finally {
    await stopCluster(c);
  }
});

test('the web-UI master: Redis gone past --redis-grace stops the test (partial report), the UI keeps answering, the workers stop sending; SIGINT then exits 5', async () => {
  const c = await startCluster(['-t', '60s', '--redis-grace', '3s'], ['--redis-grace', '3s'], true);
  try {
    const url = /Web UI: (\S+)/.exec((await c.master.waitFor(/Web UI: \S+/, 60_000)).text)![1]!;
    await waitFor('both workers ready', async () => {
      const w = JSON.parse((await rawRequest(new URL('/api/workers', url).href)).body) as { ready: number };
      return w.ready === 2 ? true : undefined;
    }, 60_000);
    const started = await action(url, '/api/start', await pageToken(url), { users: 4, spawnRate: 4, host: c.server.url, runTime: '60s', userClasses: [] });
    assert.equal(started.status, 200, started.body);
    await c.master.waitFor(/starting 4 users/, 60_000);
    await sleep(2000);
    assert.ok(c.server.total() > 0, 'load reached the target');
    await c.redis.kill();
    await c.master.waitFor(/Redis has not answered for \d+\.\ds \(--redis-grace\): stopping the test/, 30_000);
    const status = await waitFor('the test stopped', async () => {
      const res = await rawRequest(new URL('/api/status', url).href);
      const body = JSON.parse(res.body) as { state: string };
      return res.status === 200 && body.state === 'stopped' ? body : undefined;
    }, 30_000);
    assert.equal(status.state, 'stopped');
    await waitUntilNoMoreRequests(c.server, 30_000);
    for (const w of c.workers) assert.equal((await w.exited).code, 5, w.output());
    // The UI still serves the stopped test's report while Redis is down.
    const report = JSON.parse((await rawRequest(new URL('/download/report.json', url).href)).body) as JsonReport;
    assert.deepEqual(validateReport(report), []);
    assert.equal(report.partial, true);
    assert.ok(report.totals.requests > 0);
    c.master.child.kill('SIGINT');
    const { code } = await c.master.exited;
    assert.equal(code, 5, c.master.output());
    assert.equal(readReport(c.json).partial, true);
    // No --cluster-key: unsigned messages are taken (the decision in docs/reliability.md), said once by each process.
    for (const p of [c.master, ...c.workers]) assert.equal(p.output().match(/no --cluster-key: messages are not authenticated/g)?.length, 1, p.output());
  } finally {
    await stopCluster(c);
  }
});
