/**
 * The `/metrics` server of a running test (issue #9) on a real loopback socket: status codes, content type,
 * scrapes that never change the statistics, and `promtool check metrics` on what it serves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { PrometheusError } from '../../src/prometheus/errors.ts';
import { createMetricsHandler, startTestMetricsServer } from '../../src/prometheus/metrics-server.ts';
import type { RunnerView } from '../../src/prometheus/test-metrics.ts';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { StatsSet } from '../../src/stats/stats-set.ts';
import { requireTool } from '../fixtures/deploy-files.ts';

function fedAggregate(): Aggregate {
  const agg = new Aggregate();
  const s = new StatsSet();
  for (let i = 1; i <= 50; i++) s.record('GET', '/a', i * 997, 100);
  s.record('GET', '/b?q="x"', 120_000, 0, { kind: 'timeout', message: 'timed out after 30s' });
  s.record('DELETE', '/a/:id', 1_500, 0, { kind: 'http_4xx', message: 'HTTP 404' });
  s.recordCheck('body has id', true);
  // Custom metrics as a script's Counter, Rate, Gauge and Trend record them (a tag key that is no label name too).
  s.recordMetric('counter', 'carts_created', 2, { flow: 'checkout' });
  s.recordMetric('counter', 'carts_created', 3, { flow: 'checkout' });
  s.recordMetric('rate', 'ok_rate', 1);
  s.recordMetric('rate', 'ok_rate', 0);
  s.recordMetric('rate', 'ok_rate', 1);
  s.recordMetric('gauge', 'queue_depth', 7, { 'le': 'x', 'data-center': 'eu' });
  for (const v of [0.5, 3, 40]) s.recordMetric('trend', 'checkout_time', v);
  agg.merge(s.snapshot());
  agg.tick(1, 2);
  return agg;
}

const runner: RunnerView = { users: 2, targetUsers: 2, state: 'running', elapsedS: () => 1.2, counters: { iterations: 5, late: 0, missed: 0 } };

test('serves /metrics with the exposition content type; other paths 404, other methods 405', async () => {
  const aggregate = fedAggregate();
  const server = await startTestMetricsServer({ port: 0, aggregate, runner, thresholds: () => [{ metric: 'failure_rate', condition: '< 0.01', passed: false }] });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const body = await res.text();
    assert.match(body, /^stampede_requests_total\{method="GET",name="\/a"\} 50$/m);
    assert.match(body, /^stampede_request_failures_total\{method="GET",name="\/b\?q=\\"x\\"",kind="timeout"\} 1$/m);
    assert.match(body, /^stampede_threshold_passed\{metric="failure_rate",condition="< 0.01"\} 0$/m);
    assert.match(body, /^# TYPE stampede_custom_carts_created_total counter\nstampede_custom_carts_created_total\{flow="checkout"\} 5$/m);
    assert.match(body, /^stampede_custom_ok_rate_total\{result="pass"\} 2\nstampede_custom_ok_rate_total\{result="fail"\} 1$/m);
    assert.match(body, /^stampede_custom_queue_depth\{data_center="eu",tag_le="x"\} 7$/m);
    assert.match(body, /^stampede_custom_checkout_time_bucket\{le="1"\} 1$/m);
    assert.match(body, /^stampede_custom_checkout_time_bucket\{le="5"\} 2$/m);
    assert.match(body, /^stampede_custom_checkout_time_sum 43.5$/m);
    assert.match(body, /^stampede_custom_checkout_time_count 3$/m);

    const head = await fetch(server.url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal((await fetch(server.url.replace('/metrics', '/'))).status, 404);
    assert.equal((await fetch(`${server.url}?x=1`)).status, 200, 'query strings are ignored');
    assert.equal((await fetch(server.url, { method: 'POST' })).status, 405);

    // Locust's trap: a scrape must not reset anything. Two scrapes, same statistics.
    const again = await (await fetch(server.url)).text();
    assert.equal(again.replace(/stampede_run_elapsed_seconds \S+/, ''), body.replace(/stampede_run_elapsed_seconds \S+/, ''));
    assert.equal(aggregate.totals().requests, 52);
  } finally {
    await server.close();
  }
});

test('what it serves passes promtool check metrics', async (t) => {
  if (!requireTool(t, 'promtool')) return;
  const server = await startTestMetricsServer({ port: 0, aggregate: fedAggregate(), runner, thresholds: () => [{ metric: 'p95_ms', condition: '< 200', passed: true }] });
  try {
    const body = await (await fetch(server.url)).text();
    const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool check metrics:\n${r.stdout}${r.stderr}`);
  } finally {
    await server.close();
  }
});

test('a taken port is a PrometheusError with a hint, not a crash', async () => {
  const first = await startTestMetricsServer({ port: 0, aggregate: new Aggregate() });
  try {
    await assert.rejects(startTestMetricsServer({ port: first.port, aggregate: new Aggregate() }), (e: unknown) => {
      assert.ok(e instanceof PrometheusError);
      assert.equal(e.code, 'STAMPEDE_ERR_PROMETHEUS_LISTEN');
      assert.match(e.message, /EADDRINUSE/);
      return true;
    });
  } finally {
    await first.close();
  }
});

test('the handler mounts on another server and leaves other paths to it', async () => {
  const handle = createMetricsHandler({ aggregate: fedAggregate(), runner });
  const host = createServer((req, res) => {
    if (!handle(req, res)) res.writeHead(200).end('ui');
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  const { port } = host.address() as { port: number };
  try {
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'ui');
    assert.match(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), /stampede_users 2/);
  } finally {
    host.closeAllConnections();
    await new Promise((resolve) => host.close(resolve));
  }
});
