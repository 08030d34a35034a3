/**
 * The load-test exporter's text (issue #9): exact counts from the Aggregate, histogram buckets from the HDR
 * data, bounded labels, escaping. Pure: no sockets (the server is in test/integration/prometheus-exporter).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusText, type PromSample } from '../../src/monitor/prometheus-text.ts';
import { escapeLabelValue, ExpositionWriter, formatValue } from '../../src/prometheus/exposition.ts';
import { latencyBuckets } from '../../src/prometheus/hdr-buckets.ts';
import { renderTestMetrics, type RunnerView } from '../../src/prometheus/test-metrics.ts';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { StatsSet } from '../../src/stats/stats-set.ts';
import { metricNamesIn } from '../fixtures/promql-names.ts';

const runner: RunnerView = { users: 7, targetUsers: 10, state: 'spawning', elapsedS: () => 12.5, counters: { iterations: 40, late: 2, missed: 1 } };

function one(samples: PromSample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0]!.value;
}

function loadedAggregate(): Aggregate {
  const agg = new Aggregate();
  const s = new StatsSet();
  for (let i = 1; i <= 100; i++) s.record('GET', '/items', i * 1000, 10); // 1..100 ms
  s.record('POST', '/items', 2_000_000, 5, { kind: 'http_5xx', message: 'HTTP 500' });
  s.record('POST', '/items', 3_000_000, 5, { kind: 'http_5xx', message: 'HTTP 503' });
  s.record('POST', '/items', 30_000, 0, { kind: 'connect_refused', message: 'connect ECONNREFUSED' });
  s.recordCheck('status is 200', true);
  s.recordCheck('status is 200', false);
  s.recordException(new Error('boom'));
  agg.merge(s.snapshot());
  agg.tick(1, 7);
  return agg;
}

test('counts and failures by kind are exact, and every family has HELP and TYPE', () => {
  const text = renderTestMetrics(loadedAggregate(), runner, { thresholds: () => [{ metric: 'p95_ms', condition: '< 200', passed: false }] });
  const samples = parsePrometheusText(text);
  assert.equal(one(samples, 'stampede_requests_total', { method: 'GET', name: '/items' }), 100);
  assert.equal(one(samples, 'stampede_requests_total', { method: 'POST', name: '/items' }), 3);
  // Two HTTP 5xx messages fold into one kind series: label values stay bounded by kinds, not messages.
  assert.equal(one(samples, 'stampede_request_failures_total', { method: 'POST', kind: 'http_5xx' }), 2);
  assert.equal(one(samples, 'stampede_request_failures_total', { method: 'POST', kind: 'connect_refused' }), 1);
  assert.equal(one(samples, 'stampede_response_bytes_total', { method: 'GET' }), 1000);
  assert.equal(one(samples, 'stampede_checks_total', { check: 'status is 200', result: 'fail' }), 1);
  assert.equal(one(samples, 'stampede_exceptions_total'), 1);
  assert.equal(one(samples, 'stampede_users'), 7);
  assert.equal(one(samples, 'stampede_target_users'), 10);
  assert.equal(one(samples, 'stampede_runner_state', { state: 'spawning' }), 1);
  assert.equal(one(samples, 'stampede_runner_state', { state: 'running' }), 0);
  assert.equal(one(samples, 'stampede_run_elapsed_seconds'), 12.5);
  assert.equal(one(samples, 'stampede_current_rps'), 103);
  assert.equal(one(samples, 'stampede_iterations_dropped_total'), 1);
  assert.equal(one(samples, 'stampede_threshold_passed', { metric: 'p95_ms', condition: '< 200' }), 0);
  const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]);
  const helps = [...text.matchAll(/^# HELP (\S+) /gm)].map((m) => m[1]);
  assert.deepEqual(helps, families);
  assert.equal(new Set(families).size, families.length, 'each family once');
  for (const name of families) if (name!.endsWith('_total')) assert.match(text, new RegExp(`^# TYPE ${name} counter$`, 'm'));
});

test('latency buckets are cumulative, exact for whole milliseconds, with +Inf = count and an exact sum', () => {
  const samples = parsePrometheusText(renderTestMetrics(loadedAggregate(), runner));
  const get = { method: 'GET', name: '/items' };
  const bucket = (le: string) => one(samples, 'stampede_request_duration_seconds_bucket', { ...get, le });
  assert.equal(bucket('0.001'), 1);
  assert.equal(bucket('0.01'), 10);
  assert.equal(bucket('0.025'), 25);
  assert.equal(bucket('0.05'), 50);
  assert.equal(bucket('0.1'), 100);
  assert.equal(bucket('60'), 100);
  assert.equal(bucket('+Inf'), 100);
  assert.equal(one(samples, 'stampede_request_duration_seconds_count', get), 100);
  assert.ok(Math.abs(one(samples, 'stampede_request_duration_seconds_sum', get) - 5.05) < 1e-9);
  const les = samples.filter((s) => s.name === 'stampede_request_duration_seconds_bucket' && s.labels.method === 'POST');
  for (let i = 1; i < les.length; i++) assert.ok(les[i]!.value >= les[i - 1]!.value, 'cumulative');
  assert.equal(les.find((s) => s.labels.le === '2.5')!.value, 2, '30 ms and 2 s');
});

test('bucket counts follow new samples (the per-accumulator cache is keyed by count)', () => {
  const agg = new Aggregate();
  const s = new StatsSet();
  s.record('GET', '/a', 500, 1);
  agg.merge(s.snapshot());
  const acc = agg.endpoints()[0]!.latency;
  assert.equal(latencyBuckets(acc)[0]!.count, 1);
  s.record('GET', '/a', 700, 1);
  s.record('GET', '/a', 5_000, 1);
  agg.merge(s.snapshot());
  const b = latencyBuckets(agg.endpoints()[0]!.latency);
  assert.deepEqual([b[0]!.count, b[2]!.count], [2, 3]);
});

test('an empty run still declares every family, so dashboards and scrapes see the names', () => {
  const text = renderTestMetrics(new Aggregate(), undefined);
  for (const name of ['stampede_requests_total', 'stampede_request_failures_total', 'stampede_request_duration_seconds', 'stampede_checks_total', 'stampede_threshold_passed']) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'));
  }
  assert.equal(one(parsePrometheusText(text), 'stampede_runner_state', { state: 'ready' }), 0);
});

test('label values are escaped and names beyond the cap fold into (other)', () => {
  const agg = new Aggregate({ maxNames: 2 });
  const s = new StatsSet({ maxNames: 10 });
  s.record('GET', 'say "hi"\\\nnow', 1000, 1);
  for (let i = 0; i < 5; i++) s.record('GET', `/n/${i}`, 1000, 1);
  agg.merge(s.snapshot());
  const text = renderTestMetrics(agg, runner);
  assert.match(text, /stampede_requests_total\{method="GET",name="say \\"hi\\"\\\\\\nnow"\} 1/);
  const names = parsePrometheusText(text).filter((x) => x.name === 'stampede_requests_total').map((x) => x.labels.name);
  assert.equal(names.length, 3);
  assert.ok(names.includes('(other)'));
  assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
});

test('the writer refuses a family twice or a bad name, and formats special values', () => {
  const w = new ExpositionWriter().family('x_total', 'counter', 'help');
  assert.throws(() => w.family('x_total', 'counter', 'again'), /twice/);
  assert.throws(() => w.family('1x', 'gauge', 'bad'), /invalid metric name/);
  assert.deepEqual([formatValue(Infinity), formatValue(-Infinity), formatValue(NaN), formatValue(0.25)], ['+Inf', '-Inf', 'NaN', '0.25']);
});

test('metric names are extracted from PromQL and Grafana queries', () => {
  assert.deepEqual(
    metricNamesIn('histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{job="vertex-ar",route!~"/metrics|/files/:key"}[5m]))) > 0.5'),
    ['http_request_duration_seconds_bucket'],
  );
  assert.deepEqual(metricNamesIn('sum(rate(a_total[$__rate_interval])) / on(job) group_left(x) b_total offset 1h and c > 1e9'), ['a_total', 'b_total', 'c']);
  assert.deepEqual(metricNamesIn('label_values(stampede_requests_total{job="stampede"}, name)'), ['stampede_requests_total']);
  assert.deepEqual(metricNamesIn('100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) + node_load1'), ['node_memory_MemAvailable_bytes', 'node_memory_MemTotal_bytes', 'node_load1']);
});
