import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { StatsSet } from '../../src/stats/stats-set.ts';
import { buildJsonReport, parseJsonReport, readJsonReport, writeJsonReport, type JsonReportInput } from '../../src/report/json-report.ts';
import { validateReport } from '../../src/report/schema.ts';
import type { JsonReport } from '../../src/report/report-types.ts';

function runAggregate(open: boolean): Aggregate {
  const agg = new Aggregate();
  const s = new StatsSet();
  for (let t = 1; t <= 3; t++) {
    for (let i = 1; i <= 100; i++) {
      const name = i % 4 === 0 ? '/items/:id' : '/items';
      const error = i % 10 === 0 ? ({ kind: 'http_5xx', message: 'HTTP 503' } as const) : undefined;
      s.record(i % 2 ? 'GET' : 'POST', name, i * 1000, 256, error, open ? i * 1000 + 500 : undefined);
    }
    s.recordCheck('status is 2xx', true);
    s.recordException(new Error('user code failed'));
    agg.merge(s.snapshot());
    agg.tick(t, 10);
  }
  return agg;
}

function input(agg: Aggregate, extra: Partial<JsonReportInput> = {}): JsonReportInput {
  return {
    aggregate: agg,
    version: '0.1.0',
    startedAt: Date.UTC(2025, 0, 2, 3, 4, 5),
    endedAt: Date.UTC(2025, 0, 2, 3, 4, 8),
    durationS: 3,
    config: { host: 'http://127.0.0.1:8000', users: 10, spawn_rate: 5, run_time_s: 3, user_classes: ['Api'], model: 'closed' },
    ...extra,
  };
}

const full: Partial<JsonReportInput> = {
  partial: true,
  thresholds: [{ metric: 'p95_ms', condition: '< 200', value: 95, passed: true }],
  iterations: { started: 300, late: 2, dropped: 0 },
  generator: { saturated: false, cpu_max_pct: 41.5, loop_lag_p99_ms: 1.2 },
  workers: [{ id: 'w1', requests: 150 }, { id: 'w2', requests: 150, lost_at: 2.5 }],
  monitor: { interval_s: 0.5, samples: [{ t: 0.5, rss_mb: 80 }], leak: { verdict: 'none', slope: 0, r2: 0.1 } },
};

test('a generated report has every contract key and validates against the schema', () => {
  const report = buildJsonReport(input(runAggregate(false)));
  assert.deepEqual(validateReport(report), []);
  assert.deepEqual(Object.keys(report), [
    'tool', 'version', 'started_at', 'ended_at', 'duration_s', 'partial', 'config', 'totals',
    'endpoints', 'errors', 'exceptions', 'checks', 'thresholds', 'timeseries',
  ]);
  assert.equal(report.started_at, '2025-01-02T03:04:05.000Z');
  assert.equal(report.totals.requests, 300);
  assert.equal(report.totals.failures, 30);
  assert.equal(report.totals.rps, 100);
  assert.equal(report.totals.bytes_received, 300 * 256);
  assert.deepEqual(report.totals.latency_ms, { min: 1, mean: 50.5, p50: 50, p90: 90, p95: 95, p99: 99, p999: 100, max: 100 });
  assert.deepEqual(report.totals.latency_corrected_ms, report.totals.latency_ms, 'closed model: corrected = service time');
  assert.deepEqual(report.endpoints.map((e) => `${e.method} ${e.name}`), ['GET /items', 'POST /items', 'POST /items/:id']);
  assert.equal(report.timeseries.length, 3);
  assert.deepEqual(report.checks, [{ name: 'status is 2xx', passes: 3, fails: 0 }]);
  assert.equal(report.exceptions[0].count, 3);
  assert.equal(report.errors.reduce((n, e) => n + e.count, 0), 30);
});

test('a report with every optional section validates, corrected latency from the open model', () => {
  const report = buildJsonReport(input(runAggregate(true), full));
  assert.deepEqual(validateReport(report), []);
  assert.deepEqual(Object.keys(report).slice(-3), ['generator', 'workers', 'monitor']);
  assert.equal(report.totals.latency_corrected_ms.p50, 50.5);
  assert.equal(report.totals.latency_ms.p50, 50);
});

test('a report missing a key, with an extra key, or with a wrong type fails validation', () => {
  const good = buildJsonReport(input(runAggregate(false), full));
  const clone = (): any => JSON.parse(JSON.stringify(good));

  const missing = clone();
  delete missing.totals.latency_ms.p999;
  assert.ok(validateReport(missing).some((e) => e.path === '/totals/latency_ms' && /p999/.test(e.message)));

  const missingTop = clone();
  delete missingTop.timeseries;
  assert.ok(validateReport(missingTop).some((e) => /timeseries/.test(e.message)));

  const extra = clone();
  extra.endpoints[0].p42 = 1;
  assert.ok(validateReport(extra).some((e) => e.path === '/endpoints/0' && /p42/.test(e.message)));

  const extraTop = clone();
  extraTop.latency = {};
  assert.ok(validateReport(extraTop).length > 0);

  const wrong = clone();
  wrong.errors.push({ method: 'GET', name: '/', kind: 'teapot', error: 'x', count: 1 });
  wrong.totals.requests = 1.5;
  wrong.started_at = 'yesterday';
  assert.equal(validateReport(wrong).length >= 3, true);
});

test('write to a file and read back: validated, histograms decoded, same summaries', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stampede-report-'));
  try {
    const report = buildJsonReport(input(runAggregate(false), full));
    const file = join(dir, 'r.json');
    await writeJsonReport(report, file);
    const loaded = await readJsonReport(file);
    assert.deepEqual(loaded.report, report);
    loaded.endpoints.forEach((e, i) => assert.deepEqual(e.latency.summaryMs(), report.endpoints[i].latency_ms));
    assert.deepEqual(loaded.total.summaryMs(), report.totals.latency_ms);
    const broken: any = JSON.parse(JSON.stringify(report));
    delete broken.config.model;
    assert.throws(() => parseJsonReport(JSON.stringify(broken)), { code: 'STAMPEDE_ERR_REPORT_INVALID' });
    assert.throws(() => parseJsonReport('{'), { code: 'STAMPEDE_ERR_REPORT_INVALID' });
    await assert.rejects(readJsonReport(join(dir, 'missing.json')), { code: 'STAMPEDE_ERR_REPORT_READ' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file "-" writes the report to stdout', async () => {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  const report = buildJsonReport(input(new Aggregate()));
  await writeJsonReport(report, '-', sink);
  const back: JsonReport = JSON.parse(text);
  assert.deepEqual(back, report);
  assert.deepEqual(validateReport(back), [], 'an empty run is a valid report');
});
