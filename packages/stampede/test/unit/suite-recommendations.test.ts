// The recommendations engine on hand-built test records: each rule fires on its figures, names its evidence, and
// stays quiet when the figures are fine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recommend } from '../../src/suite/run-suite.ts';
import { summaryTable } from '../../src/suite/summary-table.ts';
import type { TestRecord, SuiteSummary } from '../../src/suite/types.ts';
import type { MonitorSample } from '../../src/monitor/types.ts';
import type { JsonReport } from '../../src/report/report-types.ts';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { StatsSet } from '../../src/stats/stats-set.ts';

function record(name: string, extra: Partial<TestRecord> = {}, metrics: TestRecord['summary']['metrics'] = {}): TestRecord {
  return {
    test: { name, category: 'load', workload: async () => {} },
    summary: { name, category: 'load', status: 'passed', passed: true, duration_s: 10, metrics, findings: [] },
    samples: [],
    settings: {},
    generatorSaturated: false,
    ...extra,
  };
}

const sample = (cpu: number, target: number) => ({ t: 1, cpu_pct: cpu, target_cpu_pct: target, target_processes: 1 }) as MonitorSample;

test('leak suspected: names the series, slope, interval and r²', () => {
  const leak = { verdict: 'leak' as const, series: 'target_rss_bytes', reason: 'grows', slope: 3e6, slope_bytes_per_s: 3e6, slope_bytes_per_request: 3100, slope_ci_bytes_per_request: [3000, 3200] as [number, number], r2: 0.97, confidence: 0.95, warmup_s: 3, duration_s: 20, samples: 40, min_bytes_per_request: 200, min_bytes_per_min: 1048576 };
  const [rec] = recommend([record('endurance', { leak })], new Map(), 2);
  assert.match(rec!.text, /Memory leak suspected in "endurance".*3100 B per request/);
  assert.deepEqual(rec!.evidence.slope_ci_bytes_per_request, [3000, 3200]);
  assert.equal(rec!.evidence.test, 'endurance');
});

test('CPU saturated: one worker on two cores → raise to one per core, with the (2 × cores) + 1 rule', () => {
  const busy = record('concurrent', { samples: Array.from({ length: 10 }, () => sample(70, 98)), settings: { workers: 1 } });
  const calm = record('calm', { samples: Array.from({ length: 10 }, () => sample(20, 30)) });
  const recs = recommend([busy, calm], new Map(), 2);
  assert.equal(recs.length, 1);
  assert.match(recs[0]!.text, /Raise the worker count to 2.*\(2 × cores\) \+ 1 = 5/);
  assert.equal(recs[0]!.evidence.per_worker_cpu_pct, 98);
  assert.equal(recs[0]!.evidence.workers_source, 'settings');
});

test('p95 over its objective: per endpoint, with a remedy by kind', () => {
  const endpoint = (method: string, name: string, p95: number) => ({ method, name, requests: 100, failures: 0, rps: 10, histogram: '', latency_ms: { min: 1, mean: 1, p50: 1, p90: 1, p95, p99: 1, p999: 1, max: 1 } });
  const rec = record('reads', { test: { name: 'reads', category: 'load', workload: async () => {}, p95ObjectivesMs: { 'GET /ar/:id': 100, '*': 500 } } });
  const report = { endpoints: [endpoint('GET', '/ar/:id', 150), endpoint('GET', '/clients', 600), endpoint('POST', '/clients', 400)] } as unknown as JsonReport;
  const recs = recommend([rec], new Map([['reads', report]]), 2);
  assert.equal(recs.length, 2);
  assert.match(recs[0]!.text, /GET \/ar\/:id p95 150 ms is over its 100 ms objective.*cache/);
  assert.match(recs[1]!.text, /GET \/clients p95 600 ms.*index/);
  assert.deepEqual(recs[1]!.evidence, { test: 'reads', endpoint: 'GET /clients', p95_ms: 600, objective_ms: 500, requests: 100 });
});

test('error spike: when it began, the users then, and the commonest error', () => {
  const aggregate = new Aggregate();
  const stats = new StatsSet();
  for (let second = 1; second <= 6; second++) {
    for (let i = 0; i < 100; i++) stats.record('GET', '/x', 1000, 10, second >= 4 && i < 30 ? { kind: 'http_5xx', message: 'HTTP 503' } : undefined);
    aggregate.merge(stats.snapshot());
    aggregate.tick(second, second * 10);
  }
  const load = { aggregate, startedAtWallMs: 0, endedAtWallMs: 6000, durationS: 6, config: {} as never, loopLagP99Ms: 0, threads: 0 };
  const [rec] = recommend([record('ramp', { load })], new Map(), 2);
  assert.match(rec!.text, /Errors spiked in "ramp" from t=4 s \(40 users, 30 failures\/s/);
  assert.equal(rec!.evidence.began_at_s, 4);
  assert.deepEqual(rec!.evidence.top_error, { kind: 'http_5xx', error: 'HTTP 503', count: 90 });
});

test('storage comparison needs two storage tests that ran', () => {
  const local = record('local', { test: { name: 'local', category: 'storage', storage: 'local', workload: async () => {} } }, { upload_mb_per_s: 40, p95_ms: 80, rps: 50 });
  const s3 = record('s3', { test: { name: 's3', category: 'storage', storage: 's3', workload: async () => {} } }, { upload_mb_per_s: 10, p95_ms: 300, rps: 12 });
  const [rec] = recommend([local, s3], new Map(), 2);
  assert.match(rec!.text, /^Storage: local 40 MB\/s, p95 80 ms vs s3 10 MB\/s, p95 300 ms; local is 4× s3 on throughput/);
  assert.equal(rec!.evidence.compared_on, 'mb_per_s');
  s3.summary.status = 'skipped';
  assert.deepEqual(recommend([local, s3], new Map(), 2), []);
});

test('summary table: one line per test with its status and reason, and the counts', () => {
  const summary = { tests: [record('a').summary, { ...record('b').summary, status: 'skipped', passed: false, reason: 'needs s3' }], recommendations: [] } as unknown as SuiteSummary;
  const lines = summaryTable(summary);
  assert.match(lines[2]!, /^PASS\s+a\s+load/);
  assert.match(lines[3]!, /^SKIP\s+b\s+load\s+0\.0s\s+ needs s3|^SKIP\s+b.*needs s3/);
  assert.equal(lines.at(-1), '1 passed, 0 failed, 0 inconclusive, 1 skipped; 0 recommendation(s)');
});
