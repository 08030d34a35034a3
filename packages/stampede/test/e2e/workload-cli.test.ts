/**
 * Issue 4 end to end: spawn the CLI with arrival rates, stages, a config file and thresholds; check the exit code,
 * the JSON report and the JUnit file against a loopback counting server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateReport } from '../../src/report/schema.ts';
import { runCli as runCliProcess, type CliResult } from '../fixtures/cli-process.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';

const root = new URL('../../../../', import.meta.url).pathname;
const script = path.join(root, 'packages/stampede/test/fixtures/workload/workload-users.ts');

/** The CLI with two user threads, as these runs were measured. */
function runCli(args: string[]): Promise<CliResult> {
  return runCliProcess(args, { env: { STAMPEDE_THREADS: '2' } });
}

function tempDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-workload-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('--arrival-rate with a failing script threshold exits 1 and the JUnit file names it', async () => {
  const server = await startCountingServer({ '/fast': {}, '/slow': { latencyMs: 20 } });
  const { dir, done } = tempDir();
  try {
    const json = path.join(dir, 'r.json');
    const junit = path.join(dir, 'junit', 'r.xml');
    const res = await runCli(['-f', script, '--headless', '--arrival-rate', '20', '-t', '3s', '--host', server.url, '--json', json, '--junit', junit, '--only-summary']);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /1 of 3 thresholds failed: http_req_duration\{name:\/slow\} p\(95\)<1/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.deepEqual(validateReport(report), []);
    assert.equal(report.config.model, 'open');
    assert.equal(report.config.users, 100);
    assert.equal(report.totals.requests, server.total());
    const it = report.iterations;
    assert.ok(it.started + it.dropped >= 50 && it.started + it.dropped <= 61, JSON.stringify(it));
    assert.deepEqual(report.thresholds.map((t: any) => [t.metric, t.condition, t.passed]), [
      ['http_req_duration{name:/slow}', 'p(95)<1', false],
      ['http_req_failed', 'rate<0.01', true],
      ['checks', 'rate>0.99', true],
    ]);
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /<testcase classname="stampede.thresholds" name="http_req_duration\{name:\/slow\} p\(95\)&lt;1" time="0">\s*<failure /);
    assert.match(xml, /<testcase classname="stampede.checks" name="fast answers 200"/);
  } finally {
    await server.close();
    done();
  }
});

test('a config file sets stages and thresholds; the command line wins over it', async () => {
  const server = await startCountingServer({ '/fast': {}, '/slow': {} });
  const { dir, done } = tempDir();
  try {
    const json = path.join(dir, 'r.json');
    const config = path.join(dir, 'stampede.config.ts');
    writeFileSync(
      config,
      `import { defineConfig } from 'stampede-load';
export default defineConfig({
  file: ${JSON.stringify(script)},
  host: 'http://127.0.0.1:1',
  runTime: '1h',
  headless: true,
  onlySummary: true,
  stages: [{ duration: '1s', target: 4 }, { duration: '1s', target: 4 }, { duration: '1s', target: 0 }],
  thresholds: { http_reqs: ['count>10'], 'http_req_failed{scenario:default}': ['rate<0.5'] },
});
`,
    );
    const res = await runCli(['--config', config, '--host', server.url, '-t', '20s', '--json', json]);
    assert.equal(res.code, 0, res.stderr);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.deepEqual(validateReport(report), []);
    assert.equal(report.config.host, server.url);
    assert.equal(report.config.run_time_s, 20);
    assert.equal(report.config.model, 'closed');
    assert.ok(report.duration_s < 15, `the stages end the run (${report.duration_s} s), not -t`);
    assert.deepEqual(report.thresholds.map((t: any) => t.passed), [true, true]);
  } finally {
    await server.close();
    done();
  }
});

test('abortOnFail stops the run early once its delay has passed; exit 1', async () => {
  const server = await startCountingServer({ '/fast': { status: 500 }, '/slow': { status: 500 } });
  const { dir, done } = tempDir();
  try {
    const json = path.join(dir, 'r.json');
    const config = path.join(dir, 'abort.config.ts');
    writeFileSync(config, `export default { thresholds: { http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '2s' }] } };\n`);
    const res = await runCli(['-f', script, '--config', config, '--headless', '-u', '2', '-r', '2', '-t', '60s', '--host', server.url, '--json', json, '--only-summary']);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /threshold http_req_failed rate<0\.01 failed \(observed 1\) with abortOnFail: stopping the run/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.ok(report.duration_s >= 2 && report.duration_s < 20, `duration ${report.duration_s}`);
    assert.deepEqual(report.thresholds.map((t: any) => [t.metric, t.value, t.passed]), [['http_req_failed', 1, false]]);
  } finally {
    await server.close();
    done();
  }
});

test('a bad threshold or stage is a usage error: exit 2, one line', async () => {
  const { dir, done } = tempDir();
  try {
    const config = path.join(dir, 'bad.config.ts');
    writeFileSync(config, `export default { thresholds: { http_req_duration: ['p95 < 300'] } };\n`);
    const bad = await runCli(['-f', script, '--config', config, '--headless', '-t', '1s', '--host', 'http://127.0.0.1:1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^stampede: 'http_req_duration': cannot read threshold 'p95 < 300' — write aggregation operator number/m);
    const stages = await runCli(['-f', script, '--headless', '--stages', '30s:10,forever:0', '--host', 'http://127.0.0.1:1']);
    assert.equal(stages.code, 2);
    assert.match(stages.stderr, /invalid --stages\[1\]\.duration 'forever'/);
  } finally {
    done();
  }
});
