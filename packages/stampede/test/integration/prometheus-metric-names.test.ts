/**
 * Issue #9: every metric name used by the alert rules and the Grafana dashboards exists in a live `/metrics`
 * output — the Vertex AR API's, a running test's exporter, or a run summary as pushed to the Pushgateway.
 * Exporters that do not run here (node, cAdvisor, PostgreSQL, Redis) are checked against the documented list
 * in test/fixtures/exporter-metrics.ts (the slow tier checks node_exporter's live).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from 'vertex-ar';
import { startTestMetricsServer } from '../../src/prometheus/metrics-server.ts';
import { pushSummary } from '../../src/prometheus/pushgateway.ts';
import { renderSuiteRun, renderSuiteTest } from '../../src/prometheus/suite-push.ts';
import type { SuiteSummary } from '../../src/suite/types.ts';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { StatsSet } from '../../src/stats/stats-set.ts';
import { loadYaml, MONITORING, requireYaml } from '../fixtures/deploy-files.ts';
import { EXTERNAL_METRIC_NAMES } from '../fixtures/exporter-metrics.ts';
import { dashboardQueries, exposedNames, metricNamesIn, readDashboards } from '../fixtures/promql-names.ts';
import { sampleReport } from '../fixtures/sample-report.ts';

/** Every (where, metric) used by alert_rules.yml and the dashboards. */
function usedMetricNames(): Array<{ where: string; name: string }> {
  const used: Array<{ where: string; name: string }> = [];
  const groups = loadYaml<{ groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }> }>(path.join(MONITORING, 'alert_rules.yml')).groups;
  for (const r of groups.flatMap((g) => g.rules)) for (const name of metricNamesIn(r.expr)) used.push({ where: `alert ${r.alert ?? r.record}`, name });
  for (const { dashboard } of readDashboards(path.join(MONITORING, 'grafana/dashboards'))) {
    for (const q of dashboardQueries(dashboard)) for (const name of metricNamesIn(q.expr)) used.push({ where: q.where, name });
  }
  return used;
}

async function apiMetrics(): Promise<string> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'stampede-metric-names-'));
  const api = await startServer({ dataDir, host: '127.0.0.1', port: 0, logger: false });
  try {
    await fetch(`${api.url}/health/ready`).then((r) => r.text());
    const res = await fetch(`${api.url}/metrics`);
    assert.equal(res.status, 200);
    return await res.text();
  } finally {
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function exporterMetrics(): Promise<string> {
  const aggregate = new Aggregate();
  const s = new StatsSet();
  s.record('GET', '/ar/:id', 1200, 10);
  s.record('GET', '/ar/:id', 1200, 10, { kind: 'http_5xx', message: 'HTTP 500' });
  s.recordCheck('ok', true);
  aggregate.merge(s.snapshot());
  aggregate.tick(1, 1);
  const runner = { users: 1, targetUsers: 1, state: 'running' as const, elapsedS: () => 1, counters: { iterations: 1, late: 0, missed: 0 } };
  const server = await startTestMetricsServer({ port: 0, aggregate, runner, thresholds: () => [{ metric: 'p95_ms', condition: '< 200', passed: true }] });
  try {
    return await (await fetch(server.url)).text();
  } finally {
    await server.close();
  }
}

/** The body a Pushgateway receives from pushSummary (recorded by a loopback server). */
async function pushedSummary(): Promise<string> {
  let body = '';
  const server = createServer((req, res) => {
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await pushSummary(`http://127.0.0.1:${(server.address() as { port: number }).port}`, sampleReport());
    return body;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** What `stampede suite --pushgateway` pushes besides the run summary (a test's verdict and figures, the run's). */
function suitePush(): string {
  const test = { name: 'capacity', category: 'capacity', status: 'passed' as const, passed: true, duration_s: 12, metrics: { knee_rps: 900, leak: false }, findings: [], headline: [] };
  const summary: SuiteSummary = {
    suite: 'vertex-ar', target: 'http://127.0.0.1:8000', profile: 'baseline', quick: true, started_at: '2026-01-01T00:00:00Z', ended_at: '2026-01-01T00:01:00Z',
    duration_s: 60, environment: { cores: 2, node: 'v22', platform: 'linux' }, results_files: {}, tests: [test], recommendations: [], partial: false, interrupted: false, pending: [],
  };
  return renderSuiteTest(test) + renderSuiteRun(summary);
}

test('every metric in the alert rules and dashboards exists in a live /metrics output', async (t) => {
  if (!requireYaml(t)) return;
  const api = exposedNames(await apiMetrics());
  const exporter = exposedNames(await exporterMetrics());
  const pushed = exposedNames((await pushedSummary()) + suitePush());
  // Sanity: the live outputs are what we think they are.
  assert.ok(api.has('http_requests_total') && api.has('process_cpu_seconds_total'), 'the API exposes its metrics and the defaults');
  assert.ok(exporter.has('stampede_requests_total'));
  assert.ok(pushed.has('stampede_run_requests'));

  const used = usedMetricNames();
  assert.ok(used.length > 50, `found ${used.length} uses`);
  const missing = used.filter(({ name }) => !api.has(name) && !exporter.has(name) && !pushed.has(name) && !EXTERNAL_METRIC_NAMES.has(name));
  assert.deepEqual(missing, [], `metrics used but not exposed by anything:\n${missing.map((m) => `  ${m.name} (${m.where})`).join('\n')}`);
  // Our own metrics must be found live, never through the external allow-list.
  for (const { name } of used) {
    if (/^(http_|cache_|db_|storage_|nodejs_|process_|stampede_)/.test(name)) assert.ok(!EXTERNAL_METRIC_NAMES.has(name), name);
  }
});
