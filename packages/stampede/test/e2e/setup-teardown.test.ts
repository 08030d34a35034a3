/**
 * setup() and teardown() end to end: once per run (on the master in distributed mode), their data reaching every
 * user on every thread and worker; a failing setup is one line and exit 2, with nothing sent to the target.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixtureScripts, runCli } from '../fixtures/cli-process.ts';
import { spawnStampede } from '../fixtures/cluster-processes.ts';
import { startCountingServer, type CountingServer } from '../fixtures/counting-server.ts';
import { startPrivateRedis } from '../fixtures/private-redis.ts';

const script = path.join(fixtureScripts, 'setup-teardown-users.ts');

function traceFile(): { file: string; done: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-setup-'));
  return { file: path.join(dir, 'trace.txt'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Exit 0 also says no user threw: a user without the data would throw reading `.token`. */
function assertEveryRequestHadTheToken(server: CountingServer): void {
  assert.ok(server.count('GET', '/fast') > 10, 'load reached the target');
  assert.equal(server.last('GET', '/fast')?.headers['x-token'], 'tok-42');
}

test('setup runs once before the users of 2 threads, who all read its data; teardown gets it after', async () => {
  const server = await startCountingServer();
  const trace = traceFile();
  try {
    const res = await runCli(['-f', script, '--headless', '-u', '4', '-r', '4', '-t', '2s', '--threads', '2', '--host', server.url, '--only-summary'], { env: { STAMPEDE_TEST_TRACE: trace.file } });
    assert.equal(res.code, 0, res.stderr);
    assertEveryRequestHadTheToken(server);
    assert.equal(readFileSync(trace.file, 'utf8'), 'setup\nteardown {"token":"tok-42"}\n');
  } finally {
    trace.done();
    await server.close();
  }
});

test('a failing setup ends the run before any user: one line, exit 2, nothing sent', async () => {
  const server = await startCountingServer();
  const trace = traceFile();
  try {
    const res = await runCli(['-f', script, '--headless', '-u', '2', '-t', '2s', '--host', server.url], { env: { STAMPEDE_TEST_TRACE: trace.file, SETUP_FAILS: '1' } });
    assert.equal(res.code, 2, res.stderr);
    assert.equal(res.stderr, 'stampede: setup() failed: the login service said no — fix setup() or what it calls; no user was started\n');
    assert.equal(server.total(), 0);
  } finally {
    trace.done();
    await server.close();
  }
});

test('a failing teardown is logged and counted as an exception of the run: exit 1, in the report', async () => {
  const server = await startCountingServer();
  const trace = traceFile();
  try {
    const json = `${trace.file}.json`;
    const res = await runCli(['-f', script, '--headless', '-u', '1', '-t', '1s', '--host', server.url, '--only-summary', '--json', json], { env: { STAMPEDE_TEST_TRACE: trace.file, TEARDOWN_FAILS: '1' } });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /teardown\(\) failed: could not delete the test data/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { exceptions: Array<{ message: string; count: number }> };
    assert.deepEqual(report.exceptions.map((x) => [x.message, x.count]), [['Error: could not delete the test data', 1]]);
  } finally {
    trace.done();
    await server.close();
  }
});

test('distributed: setup runs once, on the master; users on 2 workers read its data', async () => {
  const redis = await startPrivateRedis();
  const server = await startCountingServer();
  const trace = traceFile();
  const common = ['--redis', redis.url, '--namespace', `test-setup-${randomBytes(6).toString('hex')}`];
  // The workers get no trace file: a setup run there would throw on the missing path, and the test would see it.
  const workers = [0, 1].map(() => spawnStampede(['worker', ...common, '--threads', '1']));
  try {
    const master = spawnStampede([
      'master', ...common, '--expect-workers', '2', '--expect-workers-timeout', '40s', '-f', script, '--host', server.url,
      '--headless', '-u', '2', '-r', '2', '-t', '2s', '--only-summary', '--stop-timeout', '3s',
    ], { STAMPEDE_TEST_TRACE: trace.file });
    const { code } = await master.exited;
    assert.equal(code, 0, master.output());
    assertEveryRequestHadTheToken(server);
    assert.equal(readFileSync(trace.file, 'utf8'), 'setup\nteardown {"token":"tok-42"}\n');
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    trace.done();
    await server.close();
    await redis.kill();
  }
});
