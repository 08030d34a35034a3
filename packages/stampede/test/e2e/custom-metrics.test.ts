/**
 * Custom metrics end to end: a script feeds a Counter, a Trend, a Rate and a Gauge once per request it makes to a
 * counting server; the run's figures equal the totals the server's count implies, over 2 user threads and over 2
 * distributed workers. Thresholds on them decide the exit code; a bad one, or a name clash, is exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JsonReport } from '../../src/report/report-types.ts';
import { validateReport } from '../../src/report/schema.ts';
import { fixtureScripts, runCli } from '../fixtures/cli-process.ts';
import { spawnStampede } from '../fixtures/cluster-processes.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';
import { startPrivateRedis } from '../fixtures/private-redis.ts';

const script = path.join(fixtureScripts, 'custom-metrics-users.ts');

function tempDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-custom-metrics-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

function readReport(file: string): JsonReport {
  const report = JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
  assert.deepEqual(validateReport(report), [], 'report matches the schema');
  return report;
}

/** The report's custom metrics hold exactly what `requests` requests by `users` users imply. */
function assertKnownTotals(report: JsonReport, requests: number, users: number): void {
  assert.ok(requests > 50, `expected load, got ${requests}`);
  const metrics = report.metrics ?? [];
  const find = (name: string, tags: Record<string, string> = {}) => metrics.find((m) => m.name === name && JSON.stringify(m.tags) === JSON.stringify(tags));
  const even = find('carts_created', { parity: 'even' });
  const odd = find('carts_created', { parity: 'odd' });
  assert.equal((even?.count ?? 0) + (odd?.count ?? 0), 2 * requests, 'counter: 2 per request, over both tag values');
  assert.equal((even?.samples ?? 0) + (odd?.samples ?? 0), requests);
  const trend = find('checkout_ms');
  assert.equal(trend?.samples, requests);
  assert.deepEqual([trend?.min, trend?.mean, trend?.p95, trend?.max], [5, 5, 5, 5]);
  const rate = find('ok_rate');
  assert.equal(rate?.samples, 2 * requests);
  assert.equal(rate?.rate, 0.5);
  const gauge = find('last_user');
  assert.equal(gauge?.samples, requests);
  assert.deepEqual([gauge?.min, gauge?.max], [0, users - 1]);
  assert.ok(gauge!.value! >= 0 && gauge!.value! <= users - 1);
}

test('custom metrics over 2 user threads equal the known totals; thresholds on them pass (exit 0)', async () => {
  const server = await startCountingServer();
  const { dir, done } = tempDir();
  try {
    const config = path.join(dir, 'pass.config.ts');
    writeFileSync(config, `export default { thresholds: { carts_created: ['count>10'], checkout_ms: ['p(95)<300'], 'carts_created{parity:odd}': ['count>0'], ok_rate: ['rate==0.5'], last_user: ['max==3'] } };\n`);
    const json = path.join(dir, 'r.json');
    const html = path.join(dir, 'r.html');
    const res = await runCli(['-f', script, '--config', config, '--headless', '-u', '4', '-r', '4', '-t', '2s', '--threads', '2', '--host', server.url, '--json', json, '--html', html, '--only-summary']);
    assert.equal(res.code, 0, res.stderr);
    const report = readReport(json);
    assert.equal(report.totals.requests, server.count('GET', '/fast'));
    assertKnownTotals(report, report.totals.requests, 4);
    assert.deepEqual(report.thresholds.map((t) => [t.metric, t.passed]), [
      ['carts_created', true], ['checkout_ms', true], ['carts_created{parity:odd}', true], ['ok_rate', true], ['last_user', true],
    ]);
    assert.match(res.stdout, /Custom metrics/);
    assert.match(res.stdout, /carts_created\{parity:even\}/);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<section id="metrics"><h2>Custom metrics<\/h2>/);
    assert.match(page, /<td class="name">checkout_ms<\/td><td class="n" data-v="\d+">[\d,]+<\/td><td>avg=5 min=5 med=5 p90=5 p95=5 p99=5 max=5<\/td>/);
  } finally {
    done();
    await server.close();
  }
});

test('a failing threshold on a custom metric exits 1 and names it', async () => {
  const server = await startCountingServer();
  const { dir, done } = tempDir();
  try {
    const config = path.join(dir, 'fail.config.ts');
    writeFileSync(config, `export default { thresholds: { carts_created: ['count<1'] } };\n`);
    const res = await runCli(['-f', script, '--config', config, '--headless', '-u', '1', '-t', '1s', '--host', server.url, '--only-summary']);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /1 of 1 thresholds failed: carts_created count<1/);
  } finally {
    done();
    await server.close();
  }
});

test('a threshold a custom metric cannot have, an unknown metric, and a name clash are exit 2, one line', async () => {
  const { dir, done } = tempDir();
  try {
    const bad = path.join(dir, 'bad.config.ts');
    writeFileSync(bad, `export default { thresholds: { carts_created: ['p(95)<3'] } };\n`);
    const res = await runCli(['-f', script, '--config', bad, '--headless', '-t', '1s', '--host', 'http://127.0.0.1:1']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /^stampede: 'carts_created': carts_created has no 'p\(N\)' — a counter has count, rate$/m);
    const unknown = path.join(dir, 'unknown.config.ts');
    writeFileSync(unknown, `export default { thresholds: { cart_created: ['count>1'] } };\n`);
    const res2 = await runCli(['-f', script, '--config', unknown, '--headless', '-t', '1s', '--host', 'http://127.0.0.1:1']);
    assert.equal(res2.code, 2);
    assert.match(res2.stderr, /^stampede: unknown threshold metric 'cart_created' — .*custom metric of the script \(.*carts_created/m);
    const clash = path.join(dir, 'clash.ts');
    writeFileSync(clash, `import { Counter, HttpUser, Trend, task } from 'stampede-load';\nnew Counter('orders');\nnew Trend('orders');\nexport class U extends HttpUser { @task async t() {} }\n`);
    const res3 = await runCli(['-f', clash, '--headless', '-t', '1s', '--host', 'http://127.0.0.1:1']);
    assert.equal(res3.code, 2);
    assert.match(res3.stderr, /^stampede: \S*clash\.ts:3:\d+: custom metric 'orders' is defined as a counter and as a trend — give each metric its own name$/m);
    assert.equal(res3.stderr.trim().split('\n').length, 1, res3.stderr);
  } finally {
    done();
  }
});

test('custom metrics over 2 distributed workers equal the known totals', async () => {
  const redis = await startPrivateRedis();
  const server = await startCountingServer();
  const { dir, done } = tempDir();
  const common = ['--redis', redis.url, '--namespace', `test-metrics-${randomBytes(6).toString('hex')}`];
  const workers = [0, 1].map(() => spawnStampede(['worker', ...common, '--threads', '1']));
  try {
    const json = path.join(dir, 'r.json');
    const master = spawnStampede([
      'master', ...common, '--expect-workers', '2', '--expect-workers-timeout', '40s', '-f', script, '--host', server.url,
      '--headless', '-u', '4', '-r', '4', '-t', '3s', '--json', json, '--only-summary', '--stop-timeout', '3s',
    ]);
    const { code } = await master.exited;
    assert.equal(code, 0, master.output());
    const report = readReport(json);
    assert.equal(report.workers?.length, 2);
    assert.ok(report.workers!.every((w) => w.requests > 0), 'both workers ran users');
    assert.equal(report.totals.requests, server.count('GET', '/fast'));
    assertKnownTotals(report, report.totals.requests, 4);
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    done();
    await server.close();
    await redis.kill();
  }
});
