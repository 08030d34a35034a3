/**
 * Issue #9, slow tier (`node scripts/run-tests.mjs --tier observability`): a real Prometheus on loopback scrapes
 * the Vertex AR API and a running load test's exporter (plus a Pushgateway holding a pushed run summary and
 * node_exporter), its HTTP API returns the series with plausible values, and when the API stops, the real
 * alert rules (with `for:` shortened to 5 s) fire InstanceDown through a real Alertmanager to a test webhook.
 * Bounded to ~60 s after the tools start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from 'vertex-ar';
import { addRunOptions, toRunOptions } from '../../src/cli/options.ts';
import { createRun, prepareScript, type PreparedRun, type PreparedScript } from '../../src/cli/prepared-run.ts';
import { silentLogger } from '../../src/logger.ts';
import { startTestMetricsServer, type TestMetricsServer } from '../../src/prometheus/metrics-server.ts';
import { pushSummary } from '../../src/prometheus/pushgateway.ts';
import { hasTool, MONITORING, requireTool, ROOT } from '../fixtures/deploy-files.ts';
import { NODE_EXPORTER } from '../fixtures/exporter-metrics.ts';
import { exposedNames } from '../fixtures/promql-names.ts';
import { sampleReport } from '../fixtures/sample-report.ts';
import { promQuery, startProcess, waitFor, type StackProcess } from './stack-processes.ts';

const TOOLS = ['prometheus', 'prometheus-alertmanager', 'prometheus-pushgateway', 'prometheus-node-exporter'];
const hostPort = (url: string) => new URL(url).host;

/** A webhook receiver that records Alertmanager's notifications. */
async function startWebhook(): Promise<{ url: string; alerts: Array<{ status: string; labels: Record<string, string> }>; server: Server }> {
  const alerts: Array<{ status: string; labels: Record<string, string> }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const payload = JSON.parse(body) as { alerts: Array<{ status: string; labels: Record<string, string> }> };
      alerts.push(...payload.alerts);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/alerts`, alerts, server };
}

/** The real alert rules with every `for:` shortened to 5 s, so InstanceDown fires within seconds. */
function shortenedRules(): string {
  return readFileSync(path.join(MONITORING, 'alert_rules.yml'), 'utf8').replace(/^(\s+)for: \S+$/gm, '$1for: 5s');
}

function prometheusConfig(dir: string, targets: Record<string, string>, alertmanager: string): string {
  const rules = path.join(dir, 'alert_rules.yml');
  writeFileSync(rules, shortenedRules());
  const jobs = Object.entries(targets)
    .map(([job, target]) => `  - job_name: ${job}\n${job === 'pushgateway' ? '    honor_labels: true\n' : ''}    static_configs:\n      - targets: ["${target}"]\n`)
    .join('');
  const file = path.join(dir, 'prometheus.yml');
  writeFileSync(file, `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\nrule_files: ["${rules}"]\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ["${alertmanager}"]\nscrape_configs:\n${jobs}`);
  return file;
}

function alertmanagerConfig(dir: string, webhook: string): string {
  const file = path.join(dir, 'alertmanager.yml');
  writeFileSync(file, `route:\n  receiver: test\n  group_by: [alertname, job]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: test\n    webhook_configs:\n      - url: ${webhook}\n        send_resolved: true\n`);
  return file;
}

async function startLoadTest(apiUrl: string): Promise<{ script: PreparedScript; run: PreparedRun }> {
  const cmd = addRunOptions(new Command()).exitOverride();
  const file = path.join(ROOT, 'packages/stampede/test/fixtures/scripts/prometheus-api-reader.ts');
  cmd.parse(['-f', file, '--host', apiUrl, '-u', '4', '-r', '4', '--headless', '--threads', '1', '--stop-timeout', '1s'], { from: 'user' });
  const opts = toRunOptions(cmd.opts(), []);
  const io = { logger: silentLogger, out: () => {}, onSignal: () => {} };
  const script = await prepareScript(opts, io);
  const run = await createRun(opts, io, script, 4);
  run.runner.start(4, 4);
  return { script, run };
}

/** The single value of an instant query (asserting one series). */
async function scalar(prometheus: string, query: string): Promise<number | undefined> {
  const r = await promQuery(prometheus, query);
  return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
}

test('Prometheus scrapes the API and a running test, and InstanceDown reaches the webhook when the API stops', { timeout: 120_000 }, async (t) => {
  for (const tool of TOOLS) if (!requireTool(t, tool, hasTool(tool))) return;
  const cleanup: Array<() => Promise<unknown> | void> = [];
  try {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'stampede-obs-api-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const api: RunningServer = await startServer({ dataDir, host: '127.0.0.1', port: 0, logger: false });
    cleanup.push(() => api.close());
    const { script, run } = await startLoadTest(api.url);
    cleanup.push(() => script.dispose(), () => run.runner.close(), () => run.runner.stop(1000));
    const exporter: TestMetricsServer = await startTestMetricsServer({ port: 0, aggregate: run.aggregate, runner: run.runner });
    cleanup.push(() => exporter.close());
    const webhook = await startWebhook();
    cleanup.push(() => new Promise((resolve) => webhook.server.close(resolve)));

    const stack: StackProcess[] = [];
    cleanup.push(() => Promise.all(stack.map((p) => p.stop())));
    const am = await startProcess('alertmanager', 'prometheus-alertmanager', (port, dir) => [
      `--config.file=${alertmanagerConfig(dir, webhook.url)}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=',
    ], '/-/ready');
    stack.push(am);
    const pushgateway = await startProcess('pushgateway', 'prometheus-pushgateway', (port) => [`--web.listen-address=127.0.0.1:${port}`], '/-/ready');
    stack.push(pushgateway);
    await pushSummary(pushgateway.url, sampleReport(), { instance: 'observability' });
    const node = await startProcess('node-exporter', 'prometheus-node-exporter', (port) => [`--web.listen-address=127.0.0.1:${port}`], '/metrics');
    stack.push(node);
    const nodeNames = exposedNames(await (await fetch(`${node.url}/metrics`)).text());
    assert.deepEqual(NODE_EXPORTER.filter((n) => !nodeNames.has(n)), [], 'node_exporter metric names used by deploy/monitoring');

    const targets = { 'vertex-ar': hostPort(api.url), stampede: hostPort(exporter.url), pushgateway: hostPort(pushgateway.url), node: hostPort(node.url) };
    const prom = await startProcess('prometheus', 'prometheus', (port, dir) => [
      `--config.file=${prometheusConfig(dir, targets, hostPort(am.url))}`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${port}`,
    ], '/-/ready');
    stack.push(prom);

    // Every target up, then the series with plausible values.
    await waitFor('all targets up', 30_000, async () => ((await scalar(prom.url, 'count(up == 1)')) === 4 ? true : undefined));
    const apiLive = await waitFor('API counted /health/live', 20_000, async () => {
      const v = await scalar(prom.url, 'sum(http_requests_total{job="vertex-ar",route="/health/live",status="200"})');
      return v !== undefined && v > 0 ? v : undefined;
    });
    const generated = await waitFor('stampede counted requests', 20_000, async () => {
      const v = await scalar(prom.url, 'sum(stampede_requests_total{job="stampede",name="/health/live"})');
      return v !== undefined && v > 0 ? v : undefined;
    });
    assert.ok(apiLive > 0 && generated > 0);
    assert.equal(await scalar(prom.url, 'stampede_users{job="stampede"}'), 4);
    assert.equal(await scalar(prom.url, 'stampede_runner_state{job="stampede",state="running"}'), 1);
    const notFound = await waitFor('404s counted as http_4xx', 20_000, async () => scalar(prom.url, 'sum(stampede_request_failures_total{job="stampede",kind="http_4xx"})'));
    assert.ok(notFound > 0);
    const p95 = await waitFor('a p95 from the buckets', 20_000, async () =>
      scalar(prom.url, 'histogram_quantile(0.95, sum by (le) (rate(stampede_request_duration_seconds_bucket{job="stampede"}[10s])))'));
    assert.ok(p95 > 0 && p95 < 5, `p95 ${p95} s`);
    assert.equal(await scalar(prom.url, 'stampede_run_requests{job="stampede",instance="observability"}'), 101, 'pushed summary, labels kept');
    assert.ok((await scalar(prom.url, 'sum(process_resident_memory_bytes{job="vertex-ar"})'))! > 10e6);

    // Stop the test and the API: InstanceDown for vertex-ar fires and reaches the webhook.
    await run.runner.stop(1000);
    await api.close();
    const alert = await waitFor('InstanceDown at the webhook', 40_000, async () =>
      webhook.alerts.find((a) => a.status === 'firing' && a.labels.alertname === 'InstanceDown' && a.labels.job === 'vertex-ar'));
    assert.equal(alert.labels.severity, 'critical');
    assert.ok(!webhook.alerts.some((a) => a.labels.alertname === 'InstanceDown' && a.labels.job === 'stampede'), 'generators are excluded');
  } finally {
    for (const step of cleanup.reverse()) {
      try {
        await step();
      } catch {
        // Teardown goes on: every process must be stopped even when one step fails.
      }
    }
  }
});
