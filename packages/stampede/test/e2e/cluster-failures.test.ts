/**
 * Distributed mode when things go wrong (issue 10): a refused Redis password fails at once with exit 2 and one
 * line; a lost worker with --abort-on-worker-loss stops the run with exit 5 and says which worker it lost when.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JsonReport } from '../../src/report/report-types.ts';
import { validateReport } from '../../src/report/schema.ts';
import { spawnStampede, startPasswordRedis } from '../fixtures/cluster-processes.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';

const REDIS = process.env.STAMPEDE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const scripts = new URL('../fixtures/scripts', import.meta.url).pathname;

test('a wrong Redis password fails fast: exit 2, one clear line, for master and worker', async () => {
  const redis = await startPasswordRedis('right-secret');
  try {
    const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
    const masterArgs = ['--namespace', namespace, '--expect-workers', '1', '-f', path.join(scripts, 'counting-users.ts'), '--host', 'http://127.0.0.1:9', '--headless', '-t', '5s'];
    for (const [name, url] of [['wrong password', `redis://:wrong-secret@127.0.0.1:${redis.port}`], ['no password', `redis://127.0.0.1:${redis.port}/0`]]) {
      const master = spawnStampede(['master', '--redis', url!, ...masterArgs], {}, 30_000);
      const { code } = await master.exited;
      assert.equal(code, 2, `${name}: ${master.output()}`);
      assert.equal(master.lines.length, 1, `${name}: one line: ${master.output()}`);
      assert.match(master.lines[0]!.text, /^stampede: Redis at redis:\/\/.*127\.0\.0\.1:\d+.* refused the password .* — check the password in --redis/);
      assert.doesNotMatch(master.output(), /wrong-secret/, 'the password is never printed');
      assert.doesNotMatch(master.output(), /waiting for workers/, 'it failed before waiting for anything');
    }
    const worker = spawnStampede(['worker', '--redis', `redis://:wrong-secret@127.0.0.1:${redis.port}`, '--namespace', namespace], {}, 30_000);
    assert.equal((await worker.exited).code, 2, worker.output());
    assert.match(worker.output(), /^stampede: Redis at .* refused the password/);
  } finally {
    await redis.stop();
  }
});

test('--abort-on-worker-loss: a worker killed mid-run stops the run with exit 5 and a partial report', async () => {
  const server = await startCountingServer({ '/fast': { body: 'fast' } });
  const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-cluster-'));
  const json = path.join(dir, 'report.json');
  const common = ['--redis', REDIS, '--namespace', namespace];
  const workers = [0, 1].map(() => spawnStampede(['worker', ...common, '--threads', '1']));
  const master = spawnStampede([
    'master', ...common, '--expect-workers', '2', '--expect-workers-timeout', '40s', '--abort-on-worker-loss',
    '-f', path.join(scripts, 'counting-users.ts'), '--host', server.url, '--headless', '--only-summary',
    '-u', '4', '-r', '4', '-t', '30s', '--stop-timeout', '2s', '--json', json,
  ]);
  try {
    await master.waitFor(/starting 4 users/, 45_000);
    await new Promise((r) => setTimeout(r, 2000));
    const victim = workers[0]!;
    victim.child.kill('SIGKILL');
    const { code } = await master.exited;
    assert.equal(code, 5, master.output());
    assert.match(master.output(), new RegExp(`worker \\S+-${victim.child.pid}-\\S+ lost with --abort-on-worker-loss: stopping the run`));
    const report = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;
    assert.deepEqual(validateReport(report), [], 'report matches the schema');
    assert.equal(report.partial, true);
    assert.ok(report.duration_s < 20, `stopped early: ${report.duration_s}s`);
    const lost = report.workers?.find((w) => w.id.includes(`-${victim.child.pid}-`));
    assert.ok(lost?.lost_at !== undefined, 'the report says when the worker was lost');
    const survivor = report.workers?.find((w) => w.id.includes(`-${workers[1]!.child.pid}-`));
    assert.equal(survivor?.lost_at, undefined);
    // The survivor's requests are all reported: what the server saw minus the victim's reported ones is at least it.
    assert.equal(report.totals.requests, (report.workers ?? []).reduce((n, w) => n + w.requests, 0));
    assert.ok(server.total() >= report.totals.requests, 'nothing reported that the server did not see');
    assert.equal((await workers[1]!.exited).code, 0, 'the survivor quits when the master ends the run');
  } finally {
    if (master.child.exitCode === null) master.child.kill('SIGTERM');
    await master.exited;
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
