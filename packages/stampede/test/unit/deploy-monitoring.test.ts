/**
 * deploy/monitoring checked with the real tools (issue #9): `promtool check config`, `check rules`, `test rules`,
 * `amtool check-config`; every alert has a unit test that makes it fire; every scrape target, the Alertmanager
 * and the Grafana datasource name a compose service and port; dashboards are well formed. Under CI=true a
 * missing tool fails; elsewhere the test is skipped with what to install.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { composeServices, loadYaml, MONITORING, requireTool, requireYaml, run, servesPort } from '../fixtures/deploy-files.ts';
import { dashboardQueries, readDashboards } from '../fixtures/promql-names.ts';

interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTests {
  rule_files: string[];
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
}
interface PromConfig {
  rule_files: string[];
  alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
  scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
}

const ruleTestFiles = () => readdirSync(path.join(MONITORING, 'tests')).filter((f) => f.endsWith('.yml')).map((f) => path.join('tests', f));

test('promtool check config and check rules accept prometheus.yml and alert_rules.yml', (t) => {
  if (!requireTool(t, 'promtool')) return;
  const config = run('promtool', ['check', 'config', 'prometheus.yml'], MONITORING);
  assert.equal(config.status, 0, config.output);
  const rules = run('promtool', ['check', 'rules', 'alert_rules.yml'], MONITORING);
  assert.equal(rules.status, 0, rules.output);
});

test('promtool test rules: the alert unit tests pass', (t) => {
  if (!requireTool(t, 'promtool')) return;
  const files = ruleTestFiles();
  assert.ok(files.length > 0, 'deploy/monitoring/tests/*.yml');
  const r = run('promtool', ['test', 'rules', ...files], MONITORING);
  assert.equal(r.status, 0, r.output);
});

test('amtool check-config accepts alertmanager.yml', (t) => {
  if (!requireTool(t, 'amtool')) return;
  const r = run('amtool', ['check-config', 'alertmanager.yml'], MONITORING);
  assert.equal(r.status, 0, r.output);
});

test('every alert has severity and summary, and a unit test in which it fires', (t) => {
  if (!requireYaml(t)) return;
  const rules = loadYaml<{ groups: Array<{ rules: Rule[] }> }>(path.join(MONITORING, 'alert_rules.yml')).groups.flatMap((g) => g.rules);
  const alerts = rules.filter((r) => r.alert).map((r) => r.alert!);
  for (const required of ['InstanceDown', 'VertexArHighErrorRate', 'VertexArLatencyP95High', 'HostHighCpu', 'HostHighMemory', 'HostDiskSpaceLow', 'CacheHitRatioCollapse']) {
    assert.ok(alerts.includes(required), `alert ${required}`);
  }
  for (const r of rules.filter((x) => x.alert)) {
    assert.ok(['critical', 'warning'].includes(r.labels?.severity ?? ''), `${r.alert}: severity`);
    assert.ok(r.annotations?.summary, `${r.alert}: summary`);
  }
  const fired = new Set<string>();
  const quiet = new Set<string>();
  for (const file of ruleTestFiles()) {
    const suite = loadYaml<RuleTests>(path.join(MONITORING, file));
    assert.deepEqual(suite.rule_files, ['../alert_rules.yml'], `${file} tests the real rules`);
    for (const c of suite.tests.flatMap((x) => x.alert_rule_test ?? [])) ((c.exp_alerts ?? []).length > 0 ? fired : quiet).add(c.alertname);
  }
  for (const a of alerts) {
    assert.ok(fired.has(a), `no unit test makes ${a} fire`);
    assert.ok(quiet.has(a), `no unit test checks ${a} stays quiet`);
  }
});

test('scrape targets, the Alertmanager and the Grafana datasource are compose services and ports', (t) => {
  if (!requireYaml(t)) return;
  const services = composeServices();
  const config = loadYaml<PromConfig>(path.join(MONITORING, 'prometheus.yml'));
  const jobs = config.scrape_configs.map((s) => s.job_name);
  for (const job of ['vertex-ar', 'stampede', 'node', 'cadvisor', 'postgres', 'redis', 'pushgateway']) assert.ok(jobs.includes(job), `job ${job}`);
  const targets = [
    ...config.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets.map((target) => ({ where: s.job_name, target })))),
    ...config.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((c) => c.targets.map((target) => ({ where: 'alerting', target })))),
  ];
  for (const { where, target } of targets) {
    const [host, port] = target.split(':');
    assert.ok(servesPort(services[host!], port!), `${where}: ${target} is not a compose service:port`);
  }
  const ds = loadYaml<{ datasources: Array<{ uid: string; url: string }> }>(path.join(MONITORING, 'grafana/provisioning/datasources/prometheus.yml'));
  for (const d of ds.datasources) {
    const url = new URL(d.url);
    assert.ok(servesPort(services[url.hostname], url.port), `datasource ${d.uid}: ${d.url}`);
  }
  const provider = loadYaml<{ providers: Array<{ options: { path: string } }> }>(path.join(MONITORING, 'grafana/provisioning/dashboards/dashboards.yml'));
  const mounts = services.grafana!.volumes ?? [];
  assert.ok(mounts.some((v) => v.startsWith('./monitoring/grafana/dashboards:' + provider.providers[0]!.options.path)), 'dashboards mounted where the provider reads');
});

test('dashboards: unique uids and panel ids, provisioned datasource, a query in every panel', (t) => {
  if (!requireYaml(t)) return;
  const ds = loadYaml<{ datasources: Array<{ uid: string }> }>(path.join(MONITORING, 'grafana/provisioning/datasources/prometheus.yml'));
  const uids = new Set(ds.datasources.map((d) => d.uid));
  const dashboards = readDashboards(path.join(MONITORING, 'grafana/dashboards'));
  assert.deepEqual(dashboards.map((d) => d.file), ['api-overview.json', 'load-test-trends.json', 'load-test.json', 'resources.json']);
  assert.equal(new Set(dashboards.map((d) => (d.dashboard as unknown as { uid: string }).uid)).size, dashboards.length);
  for (const { file, dashboard } of dashboards) {
    const panels = dashboard.panels as Array<{ id: number; type: string; datasource?: { uid: string }; targets?: Array<{ expr?: string }> }>;
    assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, `${file}: panel ids`);
    for (const p of panels.filter((x) => x.type !== 'row')) {
      assert.ok(p.datasource && uids.has(p.datasource.uid), `${file} panel ${p.id}: datasource`);
      assert.ok((p.targets ?? []).length > 0 && p.targets!.every((x) => x.expr), `${file} panel ${p.id}: queries`);
    }
    assert.ok(dashboardQueries(dashboard).length > 0);
  }
});
