/**
 * The iteration executors end to end: perUserIterations runs exactly users × iterations tasks, sharedIterations
 * exactly its iterations, over 2 user threads; the run ends when they are done, long before -t.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JsonReport } from '../../src/report/report-types.ts';
import { randomBytes } from 'node:crypto';
import { fixtureScripts, runCli } from '../fixtures/cli-process.ts';
import { spawnStampede } from '../fixtures/cluster-processes.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';
import { startPrivateRedis } from '../fixtures/private-redis.ts';

const SCRIPT = `import { HttpUser, constant, task, type StampedeOptions } from 'stampede-load';
export class Each extends HttpUser {
  static waitTime = constant(0.05);
  @task async one() { await this.client.get('/each'); }
}
export class Shared extends HttpUser {
  static waitTime = constant(0.01);
  @task async one() { await this.client.get('/shared'); }
}
export const options: StampedeOptions = {
  scenarios: {
    each: { executor: 'perUserIterations', users: 3, iterations: 5, userClasses: ['Each'] },
    shared: { executor: 'sharedIterations', users: 4, iterations: 23, userClasses: ['Shared'] },
  },
};
`;

test('perUserIterations and sharedIterations run exactly their iterations, then the run ends', async () => {
  const server = await startCountingServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-iterations-'));
  try {
    const file = path.join(dir, 'users.ts');
    writeFileSync(file, SCRIPT);
    const json = path.join(dir, 'r.json');
    const started = Date.now();
    const res = await runCli(['-f', file, '--headless', '-t', '60s', '--threads', '2', '--host', server.url, '--json', json, '--only-summary']);
    assert.equal(res.code, 0, res.stderr);
    assert.ok(Date.now() - started < 20_000, 'the run ended when the iterations were done, not at -t');
    assert.equal(server.count('GET', '/each'), 15, '3 users × 5 iterations');
    assert.equal(server.count('GET', '/shared'), 23, '23 iterations shared');
    const report = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;
    assert.deepEqual(report.scenarios?.map((s) => [s.name, s.iterations.started, s.requests]), [['each', 15, 15], ['shared', 23, 23]]);
    assert.equal(report.partial, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});

test('an iteration scenario from the config file', async () => {
  const server = await startCountingServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-iterations-'));
  try {
    const config = path.join(dir, 'stampede.config.ts');
    writeFileSync(config, `export default { scenarios: { once: { executor: 'sharedIterations', users: 2, iterations: 7 } } };\n`);
    // counting-users makes one request per task.
    const res = await runCli(['-f', path.join(fixtureScripts, 'counting-users.ts'), '--config', config, '--headless', '-t', '30s', '--host', server.url, '--only-summary']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(server.total(), 7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});

test('distributed: the same iterations over 2 workers, exactly', async () => {
  const redis = await startPrivateRedis();
  const server = await startCountingServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-iterations-'));
  const common = ['--redis', redis.url, '--namespace', `test-iterations-${randomBytes(6).toString('hex')}`];
  const workers = [0, 1].map(() => spawnStampede(['worker', ...common, '--threads', '1']));
  try {
    const file = path.join(dir, 'users.ts');
    writeFileSync(file, SCRIPT);
    const master = spawnStampede([
      'master', ...common, '--expect-workers', '2', '--expect-workers-timeout', '40s', '-f', file, '--host', server.url,
      '--headless', '-t', '60s', '--only-summary', '--stop-timeout', '3s',
    ]);
    const { code } = await master.exited;
    assert.equal(code, 0, master.output());
    assert.equal(server.count('GET', '/each'), 15);
    assert.equal(server.count('GET', '/shared'), 23);
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    rmSync(dir, { recursive: true, force: true });
    await server.close();
    await redis.kill();
  }
});

test('a bad iteration scenario is exit 2, one line', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-iterations-'));
  try {
    const file = path.join(dir, 'users.ts');
    writeFileSync(file, SCRIPT.replace('iterations: 23', 'iterations: 0'));
    const res = await runCli(['-f', file, '--headless', '--host', 'http://127.0.0.1:1']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /^stampede: scenarios\.shared\.iterations must be a whole number ≥ 1, got '0'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
