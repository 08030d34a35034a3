/**
 * Slow tier (`node scripts/run-tests.mjs --tier observability`): `stampede suite --pushgateway URL` pushes a real
 * (one-test, --quick) run of the Vertex AR suite to a real Pushgateway (Debian `prometheus-pushgateway` on a free
 * loopback port), and the series read back from it are the run's: the test's run summary and verdict and figures
 * under `job="stampede-suite", instance="vertex-ar/<test>"`, and the run's verdict counts under `instance="vertex-ar"`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hasTool, requireTool, ROOT } from '../fixtures/deploy-files.ts';
import { startProcess } from './stack-processes.ts';

/** Samples of the Pushgateway's /metrics as [name, labels, value]. */
function parse(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

test('suite --pushgateway: each test and the run land in a real Pushgateway', { timeout: 170_000 }, async (t) => {
  if (!requireTool(t, 'prometheus-pushgateway', hasTool('prometheus-pushgateway'))) return;
  const gateway = await startProcess('pushgateway', 'prometheus-pushgateway', (port) => [`--web.listen-address=127.0.0.1:${port}`], '/-/ready');
  const reports = mkdtempSync(path.join(tmpdir(), 'stampede-suite-push-'));
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      const args = ['packages/stampede/bin/stampede.js', 'suite', 'vertex-ar', '--quick', '--only', 'basic-user-operations', '--pushgateway', gateway.url, '--report-dir', reports];
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const kill = setTimeout(() => child.kill('SIGINT'), 120_000);
      child.on('exit', (code) => {
        clearTimeout(kill);
        if (code === 0 && !/Pushgateway|cannot push/.test(err)) resolve(out);
        else reject(new Error(`exit ${code}\n${out}\n${err}`));
      });
    });
    const dir = /^report: (.+)\/report\.html/m.exec(stdout)![1]!;
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    const results = JSON.parse(readFileSync(path.join(dir, summary.results_files['basic-user-operations']), 'utf8'));
    const basic = summary.tests.find((x: { name: string }) => x.name === 'basic-user-operations');

    const series = parse(await (await fetch(`${gateway.url}/metrics`)).text()).filter((s) => s.labels.job === 'stampede-suite');
    const one = (name: string, labels: Record<string, string>) => {
      const found = series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)} in ${JSON.stringify(series.map((s) => [s.name, s.labels]).slice(0, 40))}`);
      return found[0]!.value;
    };
    const testGroup = { instance: 'vertex-ar/basic-user-operations' };
    assert.equal(one('stampede_run_requests', testGroup), results.totals.requests);
    assert.ok(results.totals.requests > 0);
    assert.equal(one('stampede_run_failures', testGroup), results.totals.failures);
    assert.equal(one('stampede_suite_test_passed', testGroup), basic.passed ? 1 : 0);
    assert.equal(one('stampede_suite_test_status', { ...testGroup, status: basic.status }), 1);
    assert.equal(one('stampede_suite_test_figure', { ...testGroup, figure: 'requests' }), basic.metrics.requests);
    // The tests left out by --only are pushed too, as skipped, so a trend shows which tests a run covered.
    assert.equal(one('stampede_suite_test_status', { instance: 'vertex-ar/capacity', status: 'skipped' }), 1);
    const runGroup = { instance: 'vertex-ar' };
    assert.equal(one('stampede_suite_tests', { ...runGroup, status: 'passed' }), summary.tests.filter((x: { status: string }) => x.status === 'passed').length);
    assert.equal(one('stampede_suite_tests', { ...runGroup, status: 'skipped' }), summary.tests.length - 1);
    assert.equal(one('stampede_suite_passed', runGroup), 1);
    assert.equal(one('stampede_suite_end_timestamp_seconds', runGroup), Date.parse(summary.ended_at) / 1000);
  } finally {
    rmSync(reports, { recursive: true, force: true });
    await gateway.stop();
  }
});
