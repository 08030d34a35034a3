// Issue 4: thresholds parse k6's syntax, read the one Aggregate (sub-metrics by name, method, scenario, check),
// abort live only past their delay, and gate checks; the JUnit file lists every threshold and check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { StatsSet } from '../../src/stats/stats-set.ts';
import { parseThresholds } from '../../src/thresholds/parse-threshold.ts';
import { evaluateThresholds, failedChecks, failingAbortThreshold } from '../../src/thresholds/evaluate-thresholds.ts';
import type { MetricSource } from '../../src/thresholds/metric-value.ts';
import type { Thresholds } from '../../src/thresholds/threshold-types.ts';
import { buildJsonReport } from '../../src/report/json-report.ts';
import { buildJunitXml } from '../../src/report/junit.ts';
import { validateReport } from '../../src/report/schema.ts';

/** 100 GET /portraits at 1..100 ms (2 failed), 50 POST /clients at 500 ms, checks 99 of 100 passed. */
function figures(elapsedS = 10): { aggregate: Aggregate; source: MetricSource } {
  const stats = new StatsSet();
  for (let i = 1; i <= 100; i++) stats.record('GET', '/portraits', i * 1000, 10, i <= 2 ? { kind: 'http_5xx', message: 'HTTP 503' } : undefined);
  for (let i = 0; i < 50; i++) stats.record('POST', '/clients', 500_000, 10, undefined, 700_000);
  for (let i = 0; i < 100; i++) stats.recordCheck('status 200', i !== 0);
  const aggregate = new Aggregate();
  aggregate.merge(stats.snapshot());
  const counters = { iterations: 150, late: 3, dropped: 7 };
  return { aggregate, source: { aggregate: (s) => (s === undefined ? aggregate : undefined), counters: (s) => (s === undefined ? counters : undefined), elapsedS: () => elapsedS } };
}

function run(thresholds: Thresholds, elapsedS = 10) {
  const { source } = figures(elapsedS);
  return evaluateThresholds(parseThresholds(thresholds), source).map((r) => [r.metric, r.condition, r.value, r.passed]);
}

test('trend, rate and counter metrics with per-name and per-method sub-metrics', () => {
  assert.deepEqual(
    run({
      'http_req_duration{name:/portraits}': ['p(95)<300', 'max<=100', 'avg==50.5', 'med<51'],
      'http_req_duration{method:POST}': ['p(99) < 400'],
      http_req_duration_corrected: ['max>=700'],
      http_req_failed: ['rate<0.01'],
      'http_req_failed{name:/portraits}': ['rate<=0.02'],
      checks: ['rate>0.99', 'rate>=0.99'],
      http_reqs: ['rate>10', 'count==150'],
      iterations: ['count==150'],
      dropped_iterations: ['count<1'],
      data_received: ['count==1500'],
    }),
    [
      ['http_req_duration{name:/portraits}', 'p(95)<300', 95, true],
      ['http_req_duration{name:/portraits}', 'max<=100', 100, true],
      ['http_req_duration{name:/portraits}', 'avg==50.5', 50.5, true],
      ['http_req_duration{name:/portraits}', 'med<51', 50, true],
      ['http_req_duration{method:POST}', 'p(99) < 400', 500, false],
      ['http_req_duration_corrected', 'max>=700', 700, true],
      ['http_req_failed', 'rate<0.01', 0.013333, false],
      ['http_req_failed{name:/portraits}', 'rate<=0.02', 0.02, true],
      ['checks', 'rate>0.99', 0.99, false],
      ['checks', 'rate>=0.99', 0.99, true],
      ['http_reqs', 'rate>10', 15, true],
      ['http_reqs', 'count==150', 150, true],
      ['iterations', 'count==150', 150, true],
      ['dropped_iterations', 'count<1', 7, false],
      ['data_received', 'count==1500', 1500, true],
    ],
  );
});

test('a threshold with nothing to measure fails at the end (value null)', () => {
  assert.deepEqual(run({ 'http_req_duration{name:/nowhere}': ['p(95)<300'], 'checks{check:never}': ['rate>0.5'], 'iterations{scenario:ghost}': ['count>0'] }), [
    ['http_req_duration{name:/nowhere}', 'p(95)<300', null, false],
    ['checks{check:never}', 'rate>0.5', null, false],
    ['iterations{scenario:ghost}', 'count>0', null, false],
  ]);
});

test('bad thresholds are configuration errors that say what to write', () => {
  const bad: Array<[Thresholds, RegExp]> = [
    [{ http_req_durations: ['p(95)<1'] } as any, /unknown threshold metric/],
    [{ http_req_duration: ['p95<1' as any] }, /cannot read threshold/],
    [{ http_req_failed: ['p(95)<1'] }, /http_req_failed has no 'p\(N\)'/],
    [{ 'checks{name:x}': ['rate>0.9'] } as any, /'name:x' is not a tag of checks/],
    [{ http_req_duration: ['p(101)<1'] }, /not in 0\.\.100/],
  ];
  for (const [t, message] of bad) assert.throws(() => parseThresholds(t), (e: any) => e.code === 'STAMPEDE_ERR_CONFIG_THRESHOLD' && message.test(e.message));
});

test('abortOnFail aborts only past delayAbortEval, and never on a metric with no samples yet', () => {
  const parsed = parseThresholds({
    'http_req_duration{name:/nowhere}': [{ threshold: 'p(95)<1', abortOnFail: true }],
    http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '10s' }],
  });
  assert.equal(failingAbortThreshold(parsed, figures(5).source), undefined);
  assert.deepEqual(failingAbortThreshold(parsed, figures(10).source), { metric: 'http_req_failed', condition: 'rate<0.01', value: 0.013333, passed: false });
});

test('failed checks fail the run unless a threshold on checks sets the tolerance', () => {
  const checks = [{ name: 'ok', passes: 5, fails: 0 }, { name: 'status 200', passes: 99, fails: 1 }];
  assert.deepEqual(failedChecks(checks, []), ['status 200']);
  assert.deepEqual(failedChecks(checks, parseThresholds({ checks: ['rate>0.9'] })), []);
});

test('JUnit: one test case per threshold and per check; the failed threshold is named', () => {
  const { aggregate, source } = figures();
  const thresholds = evaluateThresholds(parseThresholds({ 'http_req_duration{name:/portraits}': ['p(95)<50'], http_reqs: ['count>1'] }), source);
  const report = buildJsonReport({
    aggregate, version: '0.0.0', startedAt: 0, endedAt: 10_000, durationS: 10, thresholds,
    config: { host: null, users: 1, spawn_rate: null, run_time_s: 10, user_classes: [], model: 'open' },
  });
  assert.deepEqual(validateReport(report), []);
  const xml = buildJunitXml(report);
  assert.equal((xml.match(/<testcase /g) ?? []).length, 3);
  assert.match(xml, /<testsuites name="stampede" tests="3" failures="2"/);
  assert.match(xml, /<testcase classname="stampede.thresholds" name="http_req_duration\{name:\/portraits\} p\(95\)&lt;50"/);
  assert.match(xml, /<failure message="http_req_duration\{name:\/portraits\} p\(95\)&lt;50 failed: observed 95"/);
  assert.match(xml, /<failure message="check &quot;status 200&quot; failed 1 of 100 times"/);
  assert.doesNotMatch(buildJunitXml(report, { checksByThreshold: true }), /check &quot;/);
});
