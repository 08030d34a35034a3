/**
 * CI-safe exit codes (issue #18): failed requests fail the run as in Locust (`--exit-code-on-error N` changes the
 * code, 0 ignores them), a run where no request completed fails whatever that flag says, `quick` follows the same
 * rules, the first user starts at t = 0, and `--json -` leaves stdout to the JSON alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import path from 'node:path';
import { fixtureScripts, runCli } from '../fixtures/cli-process.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';
import { listenFixture } from '../fixtures/fixture-server.ts';
import { startRefusingServer } from '../fixtures/misbehaving-servers.ts';

const counting = path.join(fixtureScripts, 'counting-users.ts');

/** A server that answers every request with `status`. */
function startStatusServer(status: number) {
  return listenFixture(createServer((_req, res) => res.writeHead(status).end('no')));
}

test('every request failing exits 1 with the reason on stderr', async () => {
  const server = await startStatusServer(500);
  try {
    const res = await runCli(['-f', counting, '--headless', '-u', '2', '-r', '2', '-t', '2s', '--host', server.url, '--only-summary']);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /ERROR: \d+ of \d+ requests failed/);
  } finally {
    await server.close();
  }
});

test('--exit-code-on-error 0 ignores failed requests; N makes them exit N; --fail-on-error is 1', async () => {
  const server = await startStatusServer(401);
  try {
    const base = ['-f', counting, '--headless', '-u', '1', '-r', '1', '-t', '1s', '--host', server.url, '--only-summary'];
    const ignored = await runCli([...base, '--exit-code-on-error', '0']);
    assert.equal(ignored.code, 0, ignored.stderr);
    assert.match(ignored.stderr, /WARNING: .*requests failed \(ignored with --exit-code-on-error 0\)/);
    const seven = await runCli(base, { env: { STAMPEDE_EXIT_CODE_ON_ERROR: '7' } });
    assert.equal(seven.code, 7, seven.stderr);
    const alias = await runCli([...base, '--fail-on-error']);
    assert.equal(alias.code, 1, alias.stderr);
  } finally {
    await server.close();
  }
});

test('no request completed (every onStart threw) exits 1 with the reason, even with --exit-code-on-error 0', async () => {
  const server = await startCountingServer();
  try {
    const res = await runCli(['-f', path.join(fixtureScripts, 'onstart-throws-users.ts'), '--headless', '-u', '2', '-r', '2', '-t', '1s', '--host', server.url, '--exit-code-on-error', '0', '--only-summary']);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /ERROR: no request completed: \d+ exceptions? and nothing sent/);
    assert.equal(server.total(), 0);
  } finally {
    await server.close();
  }
});

test('-u 1 -r 1 -t 1s makes requests: the first user starts at t = 0', async () => {
  const server = await startCountingServer();
  try {
    const res = await runCli(['-f', counting, '--headless', '-u', '1', '-r', '1', '-t', '1s', '--host', server.url, '--only-summary']);
    assert.equal(res.code, 0, res.stderr);
    assert.ok(server.total() >= 1, `no request in 1 s: ${res.stderr}`);
  } finally {
    await server.close();
  }
});

test('--json - writes only the JSON report to stdout; tables and live line go to stderr', async () => {
  const server = await startCountingServer();
  try {
    const res = await runCli(['-f', counting, '--headless', '-u', '1', '-r', '1', '-t', '2.5s', '--host', server.url, '--json', '-']);
    assert.equal(res.code, 0, res.stderr);
    const report = JSON.parse(res.stdout);
    assert.equal(report.totals.requests, server.total());
    assert.match(res.stderr, /Response time percentiles/);
    assert.match(res.stderr, /^\[\d\d:\d\d\] users \d+ \|/m);
  } finally {
    await server.close();
  }
});

test('quick exits non-zero against a refusing target and against one that answers 500', async () => {
  const refusing = await startRefusingServer();
  const failing = await startStatusServer(500);
  try {
    const refused = await runCli(['quick', refusing.url, '-c', '2', '-d', '1s', '--threads', '1']);
    assert.equal(refused.code, 3, refused.stderr);
    const five = await runCli(['quick', failing.url, '-c', '2', '-d', '1s', '--threads', '1']);
    assert.equal(five.code, 1, five.stderr);
    assert.match(five.stderr, /requests failed/);
    const ignored = await runCli(['quick', failing.url, '-c', '2', '-d', '1s', '--threads', '1', '--exit-code-on-error', '0', '--json', '-']);
    assert.equal(ignored.code, 0, ignored.stderr);
    assert.ok(JSON.parse(ignored.stdout).totals.failures > 0);
  } finally {
    await refusing.close();
    await failing.close();
  }
});
