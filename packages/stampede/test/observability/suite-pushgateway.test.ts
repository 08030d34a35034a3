/**
 * Slow tier (`node scripts/run-tests.mjs --tier observability`): `stampede suite --pushgateway URL` pushes a real
 * (one-test, --quick) run of the Vertex AR suite to a real Pushgateway (Debian `prometheus-pushgateway` on a free
 * loopback port), and the series read back from it are the run's: the test's run summary and verdict and figures
 * under `job="stampede-suite", instance="vertex-ar/<test>"`, and the run's verdict counts under `instance="vertex-ar"`.
 * A real Prometheus scraping that Pushgateway then answers every suite query of the trends dashboard.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hasTool, MONITORING, requireTool, ROOT } from '../fixtures/deploy-files.ts';
import { dashboardQueries, readDashboards } from '../fixtures/promql-names.ts';
import { promQuery, startProcess, waitFor, type StackProcess } from './stack-processes.ts';

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
  if (!requireTool(t, 'prometheus-pushgateway', hasTool('prometheus-pushgateway')) || !requireTool(t, 'prometheus', hasTool('prometheus'))) return;
  const gateway = await startProcess('pushgateway', 'prometheus-pushgateway', (port) => [`--web.listen-address=127.0.0.1:${port}`], '/-/ready');
  let prometheus: StackProcess | undefined;
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

    // Prometheus scrapes the Pushgateway as deploy/monitoring/prometheus.yml does (honor_labels keeps job/instance).
    prometheus = await startProcess('prometheus', 'prometheus', (port, dir) => {
      const file = path.join(dir, 'prometheus.yml');
      writeFileSync(file, `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n    static_configs:\n      - targets: ["${new URL(gateway.url).host}"]\n`);
      return [`--config.file=${file}`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${port}`];
    }, '/-/ready');
    const trends = readDashboards(path.join(MONITORING, 'grafana/dashboards')).find((d) => d.file === 'load-test-trends.json')!.dashboard;
    const queries = dashboardQueries(trends).filter((q) => q.expr.includes('stampede_suite_'));
    assert.ok(queries.length >= 4, JSON.stringify(queries));
    // The Test variable selects this suite test, as a reader picking it in Grafana would.
    const selected = (expr: string) => expr.replaceAll('$test', 'vertex-ar/basic-user-operations');
    for (const q of [...queries, { where: 'p95 by test', expr: 'max by (instance) (stampede_run_latency_seconds{percentile="95",instance=~"$test"})' }]) {
      await waitFor(`${q.where}: ${q.expr}`, 30_000, async () => ((await promQuery(prometheus!.url, selected(q.expr))).length > 0 ? true : undefined));
    }
  } finally {
    rmSync(reports, { recursive: true, force: true });
    await prometheus?.stop();
    await gateway.stop();
  }
});
