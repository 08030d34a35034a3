// The recommendations engine on hand-built test records: each rule fires on its figures, names its evidence, and
// stays quiet when the figures are fine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recommend } from '../../src/suite/run-suite.ts';
import { recommendationLines, summaryTable } from '../../src/suite/summary-table.ts';
import type { TestRecord, SuiteSummary } from '../../src/suite/types.ts';
import type { MonitorSample } from '../../src/monitor/types.ts';
import type { JsonReport } from '../../src/report/report-types.ts';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { StatsSet } from '../../src/stats/stats-set.ts';

function record(name: string, extra: Partial<TestRecord> = {}, metrics: TestRecord['summary']['metrics'] = {}): TestRecord {
  return {
    test: { name, category: 'load', workload: async () => {} },
    summary: { name, category: 'load', status: 'passed', passed: true, duration_s: 10, headline: [], metrics, findings: [] },
    samples: [],
    settings: {},
    generatorSaturated: false,
    ...extra,
  };
}

/** A monitor sample: machine CPU (% of all cores), target and generator CPU (% of one core). */
const sample = (cpu: number, target: number | null, gen = 5) => ({ t: 1, cpu_pct: cpu, target_cpu_pct: target, gen_cpu_pct: gen, target_processes: 1 }) as MonitorSample;
const samples = (cpu: number, target: number | null, gen = 5) => Array.from({ length: 10 }, () => sample(cpu, target, gen));

test('leak suspected: names the series, slope, interval and r²', () => {
  const leak = { verdict: 'leak' as const, series: 'target_rss_bytes', reason: 'grows', slope: 3e6, slope_bytes_per_s: 3e6, slope_bytes_per_request: 3100, slope_ci_bytes_per_request: [3000, 3200] as [number, number], r2: 0.97, confidence: 0.95, warmup_s: 3, duration_s: 20, samples: 40, min_bytes_per_request: 200, min_bytes_per_min: 1048576 };
  const [rec] = recommend([record('endurance', { leak })], new Map(), 2);
  assert.match(rec!.text, /Memory leak suspected in "endurance".*3100 B per request/);
  assert.deepEqual(rec!.evidence.slope_ci_bytes_per_request, [3000, 3200]);
  assert.equal(rec!.evidence.test, 'endurance');
});

test('steady memory growth (suspect): says MiB/min and r², and how to tell a leak from a cache filling', () => {
  const perS = (8 * 2 ** 20) / 60;
  const leak = { verdict: 'suspect' as const, series: 'target_rss_bytes', reason: 'grows steadily', slope: perS, slope_bytes_per_s: perS, slope_ci_bytes_per_s: [perS * 0.9, perS * 1.1] as [number, number], slope_bytes_per_request: 46, r2: 0.99, confidence: 0.95, warmup_s: 10, duration_s: 29.5, samples: 59, min_bytes_per_request: 200, min_bytes_per_min: 1048576 };
  const [rec] = recommend([record('memory-leak', { leak })], new Map(), 2);
  assert.match(rec!.text, /^Memory grows steadily in "memory-leak": target_rss_bytes 8 MiB\/min \(r² 0\.99\) over 29\.5 s, 46 B per request/);
  assert.match(rec!.text, /endurance/);
  assert.equal(rec!.evidence.verdict, 'suspect');
  assert.equal(rec!.evidence.mib_per_min, 8);
});

test('CPU: the target\'s own workers saturated on a machine with room → raise to one per core, with the (2 × cores) + 1 rule', () => {
  const busy = record('concurrent', { samples: samples(70, 98, 30), settings: { workers: 1 } });
  const calm = record('calm', { samples: samples(20, 30) });
  const recs = recommend([busy, calm], new Map(), 2);
  assert.equal(recs.length, 1);
  assert.match(recs[0]!.text, /^The target's workers are CPU-saturated in "concurrent".*Raise the worker count to 2.*\(2 × cores\) \+ 1 = 5/);
  assert.equal(recs[0]!.evidence.per_worker_cpu_pct, 98);
  assert.equal(recs[0]!.evidence.workers_source, 'settings');
  assert.equal(recs[0]!.evidence.cause, 'target_workers');
  assert.equal(recs[0]!.evidence.generator_cpu_mean_pct, 30);
});

test('CPU: generator and target share a saturated machine, target at 47 % → says so, and never "add workers"', () => {
  // storage-local on 2 cores: the machine 95 % busy (190 % of one core), the API 47 %, the generator 120 %.
  const [rec, ...rest] = recommend([record('storage-local', { samples: samples(95, 47, 120), settings: { workers: 1 } })], new Map(), 2);
  assert.equal(rest.length, 0);
  assert.match(rec!.text, /^Machine CPU saturated in "storage-local" \(95 % of 2 cores: target 47 %, generator 120 %, everything else 23 %/);
  assert.match(rec!.text, /generator and the target share this machine and it is saturated.*run the generator on another machine/);
  assert.doesNotMatch(rec!.text, /[Rr]aise .*worker/);
  assert.equal(rec!.evidence.cause, 'shared_machine');
  assert.equal(rec!.evidence.other_cpu_mean_pct, 23);
});

test('CPU: a saturated machine whose CPU went mostly to other processes → quiet the machine', () => {
  const [rec] = recommend([record('capacity', { samples: samples(96, 40, 20), settings: { workers: 2 } })], new Map(), 2);
  assert.match(rec!.text, /everything else 132 %.*Other processes took most of it/);
  assert.equal(rec!.evidence.cause, 'other_processes');
});

test('CPU: saturated workers on a saturated shared machine → move the generator first, then one worker per core', () => {
  const [rec] = recommend([record('capacity', { samples: samples(95, 95, 90), settings: { workers: 1 } })], new Map(), 2);
  assert.match(rec!.text, /share this machine.*run the generator on another machine, then raise the target's workers to 2/);
  assert.equal(rec!.evidence.cause, 'shared_machine');
});

test('CPU: a busy target that is not saturated per worker, on a machine with room → no recommendation', () => {
  assert.deepEqual(recommend([record('reads', { samples: samples(60, 150, 20), settings: { workers: 2 } })], new Map(), 4), []);
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

test('summary table: one line per test with its status and headline figures, why under one that did not pass, the counts', () => {
  const a = { ...record('a').summary, headline: [{ metric: 'image_upload_mb_per_s', label: 'image upload', unit: 'MB/s', value: 28.8 }, { metric: 'p95_ms', label: 'p95', unit: 'ms', value: 618 }] };
  const summary = { tests: [a, { ...record('b').summary, status: 'skipped', passed: false, reason: 'needs s3' }], recommendations: [] } as unknown as SuiteSummary;
  const lines = summaryTable(summary);
  assert.match(lines[2]!, /^PASS\s+a\s+load\s+10\.0s\s+image upload 28\.8 MB\/s, p95 618 ms$/);
  assert.match(lines[3]!, /^SKIP\s+b\s+load\s+10\.0s$/);
  assert.match(lines[4]!, /^\s+why: needs s3$/);
  assert.equal(lines.at(-1), '1 passed, 0 failed, 0 inconclusive, 1 skipped; 0 recommendation(s)');
});

test('recommendation lines: each recommendation in full, numbered, after a heading', () => {
  const summary = { tests: [], recommendations: [{ text: 'Raise the pool to 20.', evidence: { a: 1 } }, { text: 'Cache GET /ar/:id.', evidence: { b: 2 } }] } as unknown as SuiteSummary;
  assert.deepEqual(recommendationLines(summary), ['', 'Recommendations:', ' 1. Raise the pool to 20.', ' 2. Cache GET /ar/:id.']);
  assert.match(recommendationLines({ ...summary, recommendations: [] }).join('\n'), /Recommendations: none/);
});

test('CPU: one saturated-machine recommendation per cause, however many tests it touched, with each test\'s figures', () => {
  const recs = recommend([record('a', { samples: samples(96, 40, 20) }), record('b', { samples: samples(97, 30, 20) }), record('c', { samples: samples(50, 30, 20) })], new Map(), 2);
  assert.equal(recs.length, 1);
  assert.match(recs[0]!.text, /^Machine CPU saturated in 2 of 3 tests \(a, b\): on average machine 96\.5 % of 2 cores — target 35 %, generator 20 %, everything else 138 % \(percent of one core\)\. Other processes took most of it/);
  assert.equal(recs[0]!.evidence.cause, 'other_processes');
  assert.deepEqual((recs[0]!.evidence.tests as Array<{ test: string }>).map((t) => t.test), ['a', 'b']);
});

test('saturated generator: one recommendation naming each test with its figures, however many tests', () => {
  const sat = (name: string, cpu: number, lag: number) => record(name, { generatorSaturated: true }, { gen_cpu_max_pct: cpu, gen_loop_lag_p99_ms: lag });
  const [one, ...none] = recommend([sat('a', 97, 12), record('b')], new Map(), 2);
  assert.equal(none.length, 0);
  assert.match(one!.text, /^The load generator was saturated in "a" \(CPU max 97 %, event-loop lag p99 12 ms\): its latency figures are suspect/);
  const recs = recommend([sat('a', 97, 12), sat('c', 40, 140)], new Map(), 2);
  assert.equal(recs.length, 1);
  assert.match(recs[0]!.text, /^The load generator was saturated in 2 tests \(a: CPU max 97 %, event-loop lag p99 12 ms; c: CPU max 40 %, event-loop lag p99 140 ms\): their latency figures are suspect/);
  assert.deepEqual((recs[0]!.evidence.tests as Array<{ test: string }>).map((t) => t.test), ['a', 'c']);
});
