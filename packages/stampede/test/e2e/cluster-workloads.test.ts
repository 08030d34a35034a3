/**
 * Issue 10: the distributed master runs every workload a local run can, through the same run loop. A master and two
 * `stampede worker` processes on the real Redis (a namespace per test) against a loopback counting server: arrival
 * rates start the iterations a local run would, stages reach their targets, thresholds, HTML, JUnit and
 * --prometheus-port work, and a worker lost during an arrival-rate scenario leaves an honest count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JsonReport } from '../../src/report/report-types.ts';
import { validateReport } from '../../src/report/schema.ts';
import { spawnStampede, type StampedeProcess } from '../fixtures/cluster-processes.ts';
import { startCountingServer, type CountingServer } from '../fixtures/counting-server.ts';

const REDIS = process.env.STAMPEDE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
// Counter: one request per task, so one request per arrival-rate iteration.
const script = path.join(new URL('../fixtures/scripts', import.meta.url).pathname, 'counting-users.ts');

interface Cluster {
  workers: StampedeProcess[];
  master: StampedeProcess;
  dir: string;
  json: string;
}

/** Two workers of 2 threads, then the master with `args`, on a fresh namespace; `files` are written to the test's directory first. */
function startCluster(server: CountingServer, args: (dir: string) => string[], files: Record<string, string> = {}): Cluster {
  const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-cluster-workloads-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const json = path.join(dir, 'report.json');
  const common = ['--redis', REDIS, '--namespace', namespace];
  const workers = [0, 1].map(() => spawnStampede(['worker', ...common, '--threads', '2']));
  const master = spawnStampede([
    'master', ...common, '--expect-workers', '2', '--expect-workers-timeout', '40s',
    '-f', script, '--host', server.url, '--headless', '--json', json, '--stop-timeout', '3s', ...args(dir),
  ]);
  return { workers, master, dir, json };
}

async function finish(c: Cluster, server: CountingServer): Promise<void> {
  if (c.master.child.exitCode === null) c.master.child.kill('SIGTERM');
  await c.master.exited;
  for (const w of c.workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await Promise.all(c.workers.map((w) => w.exited));
  await server.close();
  rmSync(c.dir, { recursive: true, force: true });
}

function readReport(c: Cluster): JsonReport {
  const report = JSON.parse(readFileSync(c.json, 'utf8')) as JsonReport;
  assert.deepEqual(validateReport(report), [], 'report matches the schema');
  return report;
}

test('--arrival-rate 50 -t 4s on two workers: the iterations a local run starts, each one request the server counted', async () => {
  const server = await startCountingServer();
  const c = startCluster(server, () => ['--arrival-rate', '50', '-t', '4s', '--only-summary']);
  try {
    const { code } = await c.master.exited;
    assert.equal(code, 0, c.master.output());
    assert.match(c.master.output(), /starting scenarios default \(constantArrivalRate\) on 2 workers, for 4s/);
    const report = readReport(c);
    assert.equal(report.config.model, 'open');
    assert.equal(report.config.users, 100);
    assert.equal(report.totals.requests, server.total(), 'totals = what the server counted');
    const it = report.iterations!;
    // 50/s for 4 s schedules 200; as in a local run, -t also ends the run, so the last few may not be due yet.
    assert.ok(it.started + it.dropped >= 170 && it.started + it.dropped <= 200, JSON.stringify(it));
    assert.ok(it.started >= 170, `started ${it.started}`);
    assert.ok(Math.abs(it.started - report.totals.requests) <= 2, `one request per iteration: ${it.started} vs ${report.totals.requests}`);
    const workers = report.workers ?? [];
    assert.equal(workers.length, 2);
    assert.ok(workers.every((w) => w.requests > 50), `both workers took a share: ${workers.map((w) => w.requests).join(', ')}`);
  } finally {
    await finish(c, server);
  }
});

test('a constantArrivalRate scenario and thresholds from the config: exactly rate × duration started, run ends with it', async () => {
  const server = await startCountingServer();
  const config = `export default {
  scenarios: { paced: { executor: 'constantArrivalRate', rate: 40, duration: '3s', preAllocatedUsers: 8, maxUsers: 40 } },
  thresholds: { http_req_failed: ['rate<0.01'], 'iterations{scenario:paced}': ['count>0'] },
};
`;
  const c = startCluster(server, (dir) => ['--config', path.join(dir, 'stampede.config.ts'), '-t', '30s', '--only-summary'], { 'stampede.config.ts': config });
  try {
    const { code } = await c.master.exited;
    assert.equal(code, 0, c.master.output());
    const report = readReport(c);
    assert.ok(report.duration_s < 15, `the scenario ends the run (${report.duration_s} s), not -t`);
    const it = report.iterations!;
    assert.equal(it.started + it.dropped, 120, `40/s for 3 s schedules exactly 120: ${JSON.stringify(it)}`);
    assert.equal(it.started, report.totals.requests, 'one request per started iteration');
    assert.equal(report.totals.requests, server.total(), 'totals = what the server counted');
    assert.deepEqual(report.thresholds!.map((t) => [t.metric, t.passed]), [['http_req_failed', true], ['iterations{scenario:paced}', true]]);
  } finally {
    await finish(c, server);
  }
});

test('--stages on two workers reach their targets; HTML, JUnit and /metrics; a failing threshold exits 1', async () => {
  const server = await startCountingServer();
  const config = `export default { thresholds: { http_reqs: ['count>10'], 'http_req_duration{name:/fast}': ['max<0'] } };\n`;
  const c = startCluster(
    server,
    (dir) => ['--stages', '1s:6,3s:6,1s:0', '-t', '30s', '--config', path.join(dir, 'stampede.config.ts'), '--html', path.join(dir, 'out', 'r.html'), '--junit', path.join(dir, 'out', 'junit.xml'), '--prometheus-port', '0'],
    { 'stampede.config.ts': config },
  );
  try {
    const metricsLine = await c.master.waitFor(/Prometheus metrics at (http\S+)/, 45_000);
    const url = /Prometheus metrics at (http\S+)/.exec(metricsLine.text)![1]!;
    await c.master.waitFor(/\| workers 2/, 20_000);
    const scrape = await fetch(url);
    assert.equal(scrape.status, 200);
    assert.match(await scrape.text(), /^stampede_\w+/m, 'the running test is exposed');

    const { code } = await c.master.exited;
    assert.equal(code, 1, c.master.output());
    assert.match(c.master.output(), /1 of 2 thresholds failed: http_req_duration\{name:\/fast\} max<0/);
    const report = readReport(c);
    assert.equal(report.config.model, 'closed');
    assert.ok(report.duration_s < 15, `the stages end the run (${report.duration_s} s), not -t`);
    const users = report.timeseries.map((p) => p.users);
    assert.equal(Math.max(...users), 6, `users reach the stage target: ${users.join(',')}`);
    assert.ok(users.filter((u) => u === 6).length >= 2, `and hold it: ${users.join(',')}`);
    assert.equal(report.totals.requests, server.total(), 'totals = what the server counted');
    assert.ok(existsSync(path.join(c.dir, 'out', 'r.html')), 'the HTML report is written');
    const junit = readFileSync(path.join(c.dir, 'out', 'junit.xml'), 'utf8');
    assert.match(junit, /name="http_req_duration\{name:\/fast\} max&lt;0"[^>]*>\s*<failure /);
    assert.match(junit, /name="http_reqs count&gt;10"/);
  } finally {
    await finish(c, server);
  }
});

test('a worker killed during an arrival-rate scenario: its unreported iterations count as dropped, started + dropped = scheduled', async () => {
  const server = await startCountingServer();
  const config = `export default {
  scenarios: { paced: { executor: 'constantArrivalRate', rate: 30, duration: '7s', preAllocatedUsers: 6, maxUsers: 30 } },
};
`;
  const c = startCluster(server, (dir) => ['--config', path.join(dir, 'stampede.config.ts'), '-t', '40s', '--only-summary'], { 'stampede.config.ts': config });
  try {
    await c.master.waitFor(/starting scenarios paced/, 45_000);
    await new Promise((r) => setTimeout(r, 2000));
    const victim = c.workers[0]!;
    victim.child.kill('SIGKILL');
    const { code } = await c.master.exited;
    assert.equal(code, 0, c.master.output());
    assert.match(c.master.output(), new RegExp(`worker \\S+-${victim.child.pid}-\\S+ lost during arrival-rate scenario paced`));
    const report = readReport(c);
    const it = report.iterations!;
    assert.equal(it.started + it.dropped, 210, `30/s for 7 s schedules exactly 210: ${JSON.stringify(it)}`);
    assert.ok(it.dropped > 0 && it.dropped < 105, `the lost share's unreported iterations: ${it.dropped}`);
    const lost = report.workers?.find((w) => w.id.includes(`-${victim.child.pid}-`));
    assert.ok(lost?.lost_at !== undefined, 'the report says when the worker was lost');
    assert.ok(server.total() >= report.totals.requests, 'nothing reported that the server did not see');
    assert.equal(report.totals.requests, (report.workers ?? []).reduce((n, w) => n + w.requests, 0));
  } finally {
    await finish(c, server);
  }
});

test('a bad workload on the master is a usage error: exit 2, one line, before waiting for workers', async () => {
  const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
  const master = spawnStampede(['master', '--redis', REDIS, '--namespace', namespace, '-f', script, '--host', 'http://127.0.0.1:9', '--headless', '--arrival-rate', '5', '--stages', '1s:1'], {}, 30_000);
  assert.equal((await master.exited).code, 2, master.output());
  assert.equal(master.lines.length, 1, master.output());
  assert.match(master.lines[0]!.text, /^stampede: --arrival-rate and --stages cannot be combined — /);
});
