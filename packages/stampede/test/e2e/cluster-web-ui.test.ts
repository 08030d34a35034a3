/**
 * Issue 10: the master's web UI. Two `stampede worker` processes and a `stampede master` without --headless,
 * through the real Redis on loopback, driven over the web API as the browser would (page token + JSON POSTs): the
 * workers tab lists both, two tests run one after the other on the same workers and each counts exactly what the
 * target saw, the JSON report has the `workers` section, and SIGTERM mid-test exits 4 and ends the workers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JsonReport } from '../../src/report/report-types.ts';
import { validateReport } from '../../src/report/schema.ts';
import type { StatsResponse, StatusResponse, WorkersResponse } from '../../src/web/api-types.ts';
import { spawnStampede, type StampedeProcess } from '../fixtures/cluster-processes.ts';
import { startCountingServer, type CountingServer } from '../fixtures/counting-server.ts';
import { action, pageToken, rawRequest, waitFor } from '../integration/web-harness.ts';

const REDIS = process.env.STAMPEDE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const script = path.join(new URL('../fixtures/scripts', import.meta.url).pathname, 'pid-path-users.ts');
const LIMIT_MS = 150_000;

/** GETs a JSON route of the UI. */
async function get<T>(base: string, route: string): Promise<T> {
  const res = await rawRequest(new URL(route, base).href);
  assert.equal(res.status, 200, `${route}: ${res.body}`);
  return JSON.parse(res.body) as T;
}

/** The master's UI URL, from its "Web UI: URL" line. */
async function uiUrl(master: StampedeProcess): Promise<string> {
  const line = await master.waitFor(/Web UI: \S+/, 45_000);
  return /Web UI: (\S+)/.exec(line.text)![1]!;
}

/** Requests of each worker in a report, by the worker's pid (ids are HOST-PID-RANDOM). */
function requestsByPid(report: JsonReport): Map<string, number> {
  return new Map((report.workers ?? []).map((w) => [w.id.split('-').at(-2)!, w.requests]));
}

/** What the server counted from each pid (the script requests /hit/PID). */
function countedByPid(server: CountingServer, pids: string[]): Map<string, number> {
  return new Map(pids.map((pid) => [pid, server.count('GET', `/hit/${pid}`)]));
}

async function downloadReport(base: string): Promise<JsonReport> {
  const res = await rawRequest(new URL('/download/report.json', base).href);
  assert.equal(res.status, 200, res.body);
  const report = JSON.parse(res.body) as JsonReport;
  assert.deepEqual(validateReport(report), [], 'the report matches the schema');
  return report;
}

test('two workers, two tests from the UI on the same workers, exact counts; SIGTERM mid-test exits 4, workers quit', async () => {
  const server = await startCountingServer();
  const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-master-web-'));
  const json = path.join(dir, 'report.json');
  const common = ['--redis', REDIS, '--namespace', namespace];
  const workers = [0, 1].map(() => spawnStampede(['worker', ...common, '--threads', '2'], {}, LIMIT_MS));
  const master = spawnStampede(['master', ...common, '-f', script, '--host', server.url, '--web-port', '0', '--stop-timeout', '2s', '-u', '4', '-r', '20', '--json', json], {}, LIMIT_MS);
  const pids = workers.map((w) => String(w.child.pid));
  try {
    const url = await uiUrl(master);
    const token = await pageToken(url);

    // Ready, and heard from: a worker's figures come with its heartbeats, which start once it has joined.
    const joined = await waitFor('both workers ready', async () => {
      const w = await get<WorkersResponse>(url, '/api/workers');
      return w.workers.filter((x) => x.state === 'ready' && x.rssBytes > 0).length === 2 ? w : undefined;
    }, 45_000);
    assert.equal(joined.ready, 2);
    assert.deepEqual(joined.workers.map((w) => String(w.pid)).sort(), [...pids].sort());
    assert.ok(joined.workers.every((w) => w.rssBytes > 0 && w.requests === 0 && w.users === 0));
    assert.deepEqual((await get<StatusResponse>(url, '/api/status')).workers, { ready: 2, total: 2 });

    // Test 1: until stopped from the UI.
    const started = await action(url, '/api/start', token, { users: 4, spawnRate: 20, host: server.url, runTime: '', userClasses: [] });
    assert.equal(started.status, 200, started.body);
    await waitFor('2 users on each running worker', async () => {
      const w = await get<WorkersResponse>(url, '/api/workers');
      return w.workers.every((x) => x.state === 'running' && x.users === 2) ? true : undefined;
    }, 30_000);
    await waitFor('requests merged', async () => ((await get<StatsResponse>(url, '/api/stats')).totals.requests > 40 ? true : undefined), 30_000);
    const stopped = await action(url, '/api/stop', token);
    assert.equal(stopped.status, 200, stopped.body);
    assert.equal((JSON.parse(stopped.body) as StatusResponse).state, 'stopped');
    const one = await get<StatsResponse>(url, '/api/stats');
    assert.equal(one.totals.requests, server.total(), 'test 1: totals = what the server counted');
    const report1 = await downloadReport(url);
    assert.equal(report1.partial, false);
    assert.equal(report1.totals.requests, server.total());
    assert.deepEqual(requestsByPid(report1), countedByPid(server, pids), 'test 1: each worker = what the server counted from it');
    // The same workers load fresh threads for the next test at once, in the background.
    const after1 = await waitFor('both workers reloaded', async () => {
      const w = await get<WorkersResponse>(url, '/api/workers');
      return w.workers.every((x) => x.state === 'ready') ? w : undefined;
    }, 45_000);
    assert.equal(after1.ready, 2);
    assert.deepEqual(after1.workers.map((w) => w.id).sort(), joined.workers.map((w) => w.id).sort(), 'the same workers');

    // Test 2 on the same workers, ended by its run time.
    server.reset();
    const again = await action(url, '/api/start', token, { users: 2, spawnRate: 20, host: server.url, runTime: '3s', userClasses: ['PidHitter'] });
    assert.equal(again.status, 200, again.body);
    await waitFor('test 2 stopped by its run time', async () => {
      const s = await get<StatusResponse>(url, '/api/status');
      return s.testNumber === 2 && s.state === 'stopped' ? true : undefined;
    }, 40_000);
    const two = await get<StatsResponse>(url, '/api/stats');
    assert.ok(two.totals.requests > 0, 'test 2 ran');
    assert.equal(two.totals.requests, server.total(), 'test 2: totals = what the server counted');
    const report2 = await downloadReport(url);
    assert.equal(report2.config.users, 2);
    assert.deepEqual(requestsByPid(report2), countedByPid(server, pids), 'test 2: same workers, each exact');
    assert.deepEqual(report2.workers!.map((w) => w.id).sort(), report1.workers!.map((w) => w.id).sort(), 'no worker joined again');

    // Test 3, cut short by SIGTERM: reports written (partial, with the workers), workers told to quit.
    server.reset();
    const third = await action(url, '/api/start', token, { users: 4, spawnRate: 20, host: server.url, runTime: '', userClasses: [] });
    assert.equal(third.status, 200, third.body);
    await waitFor('test 3 requests', async () => ((await get<StatsResponse>(url, '/api/stats')).totals.requests > 20 ? true : undefined), 30_000);
    master.child.kill('SIGTERM');
    assert.equal((await master.exited).code, 4, master.output());
    const written = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;
    assert.deepEqual(validateReport(written), [], 'the written report matches the schema');
    assert.equal(written.partial, true);
    assert.equal(written.totals.requests, server.total(), 'test 3: totals = what the server counted');
    assert.deepEqual(requestsByPid(written), countedByPid(server, pids));
    for (const w of workers) assert.equal((await w.exited).code, 0, w.output());
  } finally {
    if (master.child.exitCode === null) master.child.kill('SIGTERM');
    await master.exited;
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no worker: starting a test is refused with 409 and a one-line hint', async () => {
  const server = await startCountingServer();
  const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
  const master = spawnStampede(['master', '--redis', REDIS, '--namespace', namespace, '-f', script, '--host', server.url, '--web-port', '0'], {}, LIMIT_MS);
  try {
    const url = await uiUrl(master);
    const token = await pageToken(url);
    assert.deepEqual(await get<WorkersResponse>(url, '/api/workers'), { ready: 0, total: 0, workers: [] });
    const refused = await action(url, '/api/start', token, { users: 2, spawnRate: 2, host: server.url, runTime: '' });
    assert.equal(refused.status, 409, refused.body);
    const error = JSON.parse(refused.body).error as { code: string; message: string };
    assert.equal(error.code, 'STAMPEDE_ERR_WEB_NO_WORKERS');
    assert.match(error.message, new RegExp(`^no worker is ready: start workers with: stampede worker --redis URL --namespace ${namespace}$`));
    assert.equal((await get<StatusResponse>(url, '/api/status')).state, 'ready');
    master.child.kill('SIGTERM');
    assert.equal((await master.exited).code, 0, master.output());
    assert.equal(server.total(), 0);
  } finally {
    if (master.child.exitCode === null) master.child.kill('SIGKILL');
    await master.exited;
    await server.close();
  }
});
