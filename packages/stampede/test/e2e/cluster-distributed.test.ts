/**
 * Distributed mode end to end (issue 10): a master and three `stampede worker` processes coordinated through the
 * real Redis on loopback run the Vertex AR users against the API, which counts every request by the pid of the
 * process that sent it. Each test has its own Redis namespace, so tests running side by side never mix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JsonReport } from '../../src/report/report-types.ts';
import { validateReport } from '../../src/report/schema.ts';
import { spawnStampede, startCountingVertexAr, type CountingApi, type StampedeProcess } from '../fixtures/cluster-processes.ts';
import { PID_HEADER } from '../fixtures/scripts/vertex-ar-tagged-users.ts';

const REDIS = process.env.STAMPEDE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const script = path.join(new URL('../fixtures/scripts', import.meta.url).pathname, 'vertex-ar-tagged-users.ts');

interface Cluster {
  namespace: string;
  workers: StampedeProcess[];
  master: StampedeProcess;
  json: string;
  dir: string;
}

/** Starts `workerCount` workers, then the master with `masterArgs`, all on a fresh namespace. */
function startCluster(api: CountingApi, workerCount: number, masterArgs: string[]): Cluster {
  const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-cluster-'));
  const json = path.join(dir, 'report.json');
  const common = ['--redis', REDIS, '--namespace', namespace];
  const workers = Array.from({ length: workerCount }, () => spawnStampede(['worker', ...common, '--threads', '2']));
  const master = spawnStampede([
    'master', ...common, '--expect-workers', String(workerCount), '--expect-workers-timeout', '40s',
    '-f', script, '--host', api.url, '--headless', '--only-summary', '--json', json, '--stop-timeout', '3s',
    ...masterArgs, 'TaggedReadOnlyUser', 'TaggedApiStressTest',
  ]);
  return { namespace, workers, master, json, dir };
}

async function finish(c: Cluster, api: CountingApi): Promise<void> {
  // A failed test may leave the master running: SIGTERM lets it stop, remove its bundle and its Redis keys.
  if (c.master.child.exitCode === null) c.master.child.kill('SIGTERM');
  await c.master.exited;
  for (const w of c.workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await Promise.all(c.workers.map((w) => w.exited));
  await api.close();
  rmSync(c.dir, { recursive: true, force: true });
}

/** Each worker's pid → what it reported, from the report's `workers` section (ids are HOST-PID-RANDOM). */
function reportedByPid(report: JsonReport): Map<string, { requests: number; lost_at?: number }> {
  return new Map((report.workers ?? []).map((w) => [w.id.split('-').at(-2)!, w]));
}

test('three workers: merged totals equal what the API counted, per worker and in all', async () => {
  const api = await startCountingVertexAr(PID_HEADER);
  const c = startCluster(api, 3, ['-u', '9', '-r', '9', '-t', '5s']);
  try {
    const { code } = await c.master.exited;
    assert.equal(code, 0, c.master.output());
    const report = JSON.parse(readFileSync(c.json, 'utf8')) as JsonReport;
    assert.deepEqual(validateReport(report), [], 'report matches the schema');
    const byPid = reportedByPid(report);
    assert.equal(byPid.size, 3);
    let sum = 0;
    for (const w of c.workers) {
      const pid = String(w.child.pid);
      const reported = byPid.get(pid);
      assert.ok(reported, `worker ${pid} is in the report`);
      assert.ok(reported.requests > 0, `worker ${pid} sent requests`);
      assert.equal(reported.requests, api.arrivals.get(pid)?.length ?? 0, `worker ${pid}: reported = counted by the API`);
      assert.equal(reported.lost_at, undefined);
      sum += reported.requests;
    }
    assert.equal(report.totals.requests, sum, 'totals are the sum of the workers');
    assert.equal(report.totals.requests, api.total(), 'totals = what the API counted');
    assert.equal(api.arrivals.get('none'), undefined, 'no request without a worker pid');
    // Workers quit when the master ends the run.
    for (const w of c.workers) assert.equal((await w.exited).code, 0, w.output());
  } finally {
    await finish(c, api);
  }
});

test('SIGKILL of a worker mid-run: marked missing, users continue elsewhere, nothing counted twice or lost', async () => {
  const api = await startCountingVertexAr(PID_HEADER);
  // 20 s: the loss is seen 3 s after the victim's last heartbeat, and the users must then run a while on the others.
  const c = startCluster(api, 3, ['-u', '12', '-r', '12', '-t', '20s']);
  try {
    await c.master.waitFor(/starting 12 users/, 45_000);
    // Every worker runs its users first: the API has counted requests from each (polled, generous deadline).
    // Issue #24: this was a fixed 3.5 s sleep, and the loss had to be seen within 3,500 ms of the kill against a
    // 3,000 ms design; how fast the master notices is a design figure (docs/distributed.md), not a test's.
    const deadline = Date.now() + 30_000;
    while (!c.workers.every((w) => (api.arrivals.get(String(w.child.pid))?.length ?? 0) >= 20) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const victim = c.workers[0]!;
    const victimPid = String(victim.child.pid);
    assert.ok((api.arrivals.get(victimPid)?.length ?? 0) >= 20, 'the victim sent requests before the kill');
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    const detected = await c.master.waitFor(new RegExp(`worker \\S+-${victimPid}-\\S+ missing`), 30_000);
    assert.ok(detected.at >= killedAt, 'marked missing after the kill, not before');
    await c.master.waitFor(new RegExp(`users of \\S+-${victimPid}-\\S+ started again`), 30_000);

    const { code } = await c.master.exited;
    assert.equal(code, 0, c.master.output());
    const report = JSON.parse(readFileSync(c.json, 'utf8')) as JsonReport;
    assert.deepEqual(validateReport(report), [], 'report matches the schema');
    const byPid = reportedByPid(report);
    const lost = byPid.get(victimPid);
    assert.ok(lost?.lost_at !== undefined && lost.lost_at > 0, 'the report says when the worker was lost');

    // Surviving workers: exactly what the API counted from them — nothing lost, nothing counted twice.
    let survivorsAfterLoss = 0;
    for (const w of c.workers.slice(1)) {
      const pid = String(w.child.pid);
      const arrivals = api.arrivals.get(pid) ?? [];
      assert.equal(byPid.get(pid)?.requests, arrivals.length, `survivor ${pid}: reported = counted by the API`);
      assert.equal(byPid.get(pid)?.lost_at, undefined);
      survivorsAfterLoss += arrivals.filter((t) => t > detected.at).length;
    }
    assert.ok(survivorsAfterLoss > 0, 'the survivors kept sending after the loss');
    const users = report.timeseries.filter((p) => p.t > Math.ceil(lost.lost_at!) && p.t < 19).map((p) => p.users);
    assert.ok(lost.lost_at! < 17, `lost at ${lost.lost_at} s of 20: too late to see the users run elsewhere`);
    assert.ok(users.length > 0 && users.every((u) => u === 12), `12 users ran after the loss: ${users.join(',')}`);

    // The killed worker: everything it reported reached the API (reported ≤ counted). What it recorded after its
    // last delivered answer was seen by the API but never reported. A request is delivered with the answer to the
    // first snapshot request after it completes (asked every second, answered within 0.6 s), or with the next one
    // when its thread answered late: so what completed more than 2.6 s before the kill was delivered — allow 3 s.
    // A request completes at most the run's max latency after it reached the API, so the unreported ones are
    // among the arrivals from 3 s + max latency before the kill on.
    const victimArrivals = api.arrivals.get(victimPid) ?? [];
    const windowMs = 3000 + report.totals.latency_ms.max;
    const bound = victimArrivals.filter((t) => t >= killedAt - windowMs).length;
    const unreported = victimArrivals.length - lost.requests;
    assert.ok(unreported >= 0, 'the killed worker reported nothing the API did not see');
    assert.ok(unreported <= bound, `unreported ${unreported} ≤ ${bound} (arrivals in the last ${windowMs} ms before the kill)`);
    const sum = [...byPid.values()].reduce((n, w) => n + w.requests, 0);
    assert.equal(report.totals.requests, sum, 'totals are the sum of the workers');
    assert.equal(api.arrivals.get('none'), undefined, 'no request without a worker pid');
  } finally {
    await finish(c, api);
  }
});
