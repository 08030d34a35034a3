import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregate, HISTORY_PERCENTILES } from '../../src/stats/aggregate.ts';
import { RingBuffer } from '../../src/stats/ring-buffer.ts';
import { StatsSet } from '../../src/stats/stats-set.ts';

test('tick closes one-second intervals with their own rate and percentiles', () => {
  const agg = new Aggregate();
  const s = new StatsSet();
  for (let i = 1; i <= 100; i++) s.record('GET', '/a', i * 1000, 100); // 1..100 ms
  agg.merge(s.snapshot());
  const p1 = agg.tick(1, 10);
  assert.deepEqual(p1, { t: 1, users: 10, rps: 100, failures_per_s: 0, p50_ms: 50, p95_ms: 95, p99_ms: 99 });
  for (let i = 0; i < 10; i++) s.record('GET', '/a', 200_000, 100, { kind: 'http_5xx', message: 'HTTP 500' });
  agg.merge(s.snapshot());
  const p2 = agg.tick(2, 20);
  assert.deepEqual(p2, { t: 2, users: 20, rps: 10, failures_per_s: 10, p50_ms: 200, p95_ms: 200, p99_ms: 200 });
  const p3 = agg.tick(3, 20);
  assert.deepEqual(p3, { t: 3, users: 20, rps: 0, failures_per_s: 0, p50_ms: 0, p95_ms: 0, p99_ms: 0 });
  assert.deepEqual(agg.timeseries(), [p1, p2, p3]);
  const h = agg.history();
  assert.equal(h[1].intervalPercentilesMs.length, HISTORY_PERCENTILES.length);
  assert.equal(h[1].totalRequests, 110);
  assert.equal(h[1].totalFailures, 10);
  assert.equal(h[1].totalMaxMs, 200);
  assert.deepEqual(h[2].intervalPercentilesMs, []);
  const t = agg.totals();
  assert.equal(agg.elapsedS, 3);
  assert.equal(t.rps, 110 / 3);
  assert.equal(t.failuresPerS, 10 / 3);
  assert.equal(t.bytesReceived, 11_000);
});

test('the time series is bounded by its ring buffer (oldest dropped)', () => {
  const agg = new Aggregate({ timeseriesCapacity: 50 });
  const s = new StatsSet();
  for (let t = 1; t <= 1000; t++) {
    s.record('GET', '/a', 1000 + t, 1);
    agg.merge(s.snapshot());
    agg.tick(t, 1);
  }
  const ts = agg.timeseries();
  assert.equal(ts.length, 50);
  assert.equal(ts[0].t, 951);
  assert.equal(ts[49].t, 1000);
  assert.equal(agg.droppedPoints, 950);
  assert.equal(agg.totals().requests, 1000, 'totals are not bounded by the time series');
});

test('ring buffer keeps the newest items in order', () => {
  const rb = new RingBuffer<number>(3);
  assert.deepEqual(rb.toArray(), []);
  assert.equal(rb.last(), undefined);
  for (let i = 1; i <= 5; i++) rb.push(i);
  assert.deepEqual(rb.toArray(), [3, 4, 5]);
  assert.equal(rb.size, 3);
  assert.equal(rb.last(), 5);
  assert.equal(rb.dropped, 2);
  rb.clear();
  assert.deepEqual(rb.toArray(), []);
  assert.throws(() => new RingBuffer(0), RangeError);
});

test('ring buffer as a queue: shift takes the oldest, across the wrap', () => {
  const rb = new RingBuffer<string>(3);
  assert.equal(rb.shift(), undefined);
  rb.push('a');
  rb.push('b');
  assert.equal(rb.shift(), 'a');
  rb.push('c');
  rb.push('d'); // wraps to the slot 'a' left
  assert.deepEqual(rb.toArray(), ['b', 'c', 'd']);
  assert.equal(rb.shift(), 'b');
  assert.equal(rb.shift(), 'c');
  rb.push('e');
  assert.equal(rb.size, 2);
  assert.equal(rb.shift(), 'd');
  assert.equal(rb.shift(), 'e');
  assert.equal(rb.shift(), undefined);
  assert.equal(rb.size, 0);
});

test('reset forgets statistics and restarts rates, keeping the time series', () => {
  const agg = new Aggregate();
  const s = new StatsSet();
  s.record('GET', '/a', 5000, 1, { kind: 'interrupted', message: 'run stopped' });
  s.recordCheck('ok', true);
  s.recordException(new Error('x'));
  agg.merge(s.snapshot());
  agg.tick(1, 1);
  assert.equal(agg.totals().interrupted, 1);
  agg.reset();
  assert.equal(agg.totals().requests, 0);
  assert.deepEqual(agg.endpoints(), []);
  assert.deepEqual([agg.errors(), agg.exceptions(), agg.checks()], [[], [], []]);
  assert.equal(agg.totals().interrupted, 0);
  assert.equal(agg.timeseries().length, 1);
  s.record('GET', '/a', 5000, 1);
  agg.merge(s.snapshot());
  agg.tick(3, 1);
  assert.equal(agg.elapsedS, 2);
  assert.equal(agg.totals().rps, 0.5);
  assert.deepEqual(agg.totals().latency.summaryMs(), { min: 5, mean: 5, p50: 5, p90: 5, p95: 5, p99: 5, p999: 5, max: 5 });
});

test('an empty aggregate reports zeros, never NaN or Infinity', () => {
  const agg = new Aggregate();
  const t = agg.totals();
  assert.deepEqual(t.latency.summaryMs(), { min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 });
  assert.equal(t.rps, 0);
  assert.equal(t.corrected, undefined);
});

test('a delta from an older producer (no exact side data) still merges within histogram precision', () => {
  const s = new StatsSet();
  for (let i = 1; i <= 1000; i++) s.record('GET', '/a', i * 997, 0);
  const d = s.snapshot();
  for (const e of d.endpoints) {
    delete e.sumUs;
    delete e.minUs;
    delete e.maxUs;
  }
  const agg = new Aggregate();
  agg.merge(d);
  const l = agg.totals().latency;
  assert.ok(Math.abs(l.meanUs - 500.5 * 997) / (500.5 * 997) < 0.001);
  assert.ok(Math.abs(l.maxUs - 997_000) / 997_000 < 0.001);
  assert.ok(Math.abs(l.minUs - 997) / 997 < 0.001);
});

test('custom metrics merge exactly over threads: sums add, a gauge keeps the value set last, tag sets beyond the cap lose their tags', async () => {
  const warnings: string[] = [];
  const agg = new Aggregate({ maxNames: 2, onWarning: (m) => warnings.push(m) });
  const a = new StatsSet({ maxNames: 2 });
  const b = new StatsSet({ maxNames: 2 });
  a.recordMetric('counter', 'carts', 2, { flow: 'x' });
  b.recordMetric('counter', 'carts', 3, { flow: 'x' });
  b.recordMetric('counter', 'carts', 1, { flow: 'y' });
  b.recordMetric('counter', 'carts', 4, { flow: 'z' }); // a third tag set: beyond the cap of 2, counted untagged
  a.recordMetric('gauge', 'depth', 9);
  await new Promise((r) => setTimeout(r, 5));
  b.recordMetric('gauge', 'depth', 4);
  for (const v of [1, 2, 3, 4]) a.recordMetric('trend', 'ms', v);
  for (const v of [5, 6]) b.recordMetric('trend', 'ms', v);
  // The later gauge value reaches the aggregate first: the value set last still wins.
  agg.merge(b.snapshot());
  agg.merge(a.snapshot());
  const rows = agg.metrics().map((m) => [m.name, JSON.stringify(m.tags), m.samples, m.sum]);
  assert.deepEqual(rows, [
    ['carts', '{}', 1, 4],
    ['carts', '{"flow":"x"}', 2, 5],
    ['carts', '{"flow":"y"}', 1, 1],
    ['depth', '{}', 2, 0],
    ['ms', '{}', 6, 21_000],
  ]);
  const depth = agg.metrics().find((m) => m.name === 'depth')!;
  assert.deepEqual([depth.value, depth.min, depth.max], [4, 4, 9]);
  const trend = agg.metrics().find((m) => m.name === 'ms')!.trend!;
  assert.deepEqual([trend.count, trend.meanUs, trend.minUs, trend.maxUs], [6, 3_500, 1_000, 6_000]);
  assert.equal(warnings.length, 0, 'the producer capped, so the aggregate saw no more tag sets than its cap');
});

test('tagged requests are a second view: by (method, name, tags), never in the totals twice, capped like names', () => {
  const warnings: string[] = [];
  const s = new StatsSet({ maxNames: 2, onWarning: (m) => warnings.push(m) });
  s.record('GET', '/a', 1_000, 10, undefined, undefined, { flow: 'x' });
  s.record('GET', '/a', 3_000, 10, undefined, undefined, { flow: 'x' });
  s.record('GET', '/a', 2_000, 10, undefined, undefined, { flow: 'y', group: 'g' });
  s.record('GET', '/a', 9_000, 10, undefined, undefined, { flow: 'z' }); // a third tag set: beyond the cap
  s.record('GET', '/a', 5_000, 10);
  const agg = new Aggregate();
  agg.merge(s.snapshot());
  assert.equal(agg.totals().requests, 5);
  const rows = agg.taggedEndpoints().map((e) => [e.method, e.name, JSON.stringify(e.tags), e.requests, e.latency.maxUs]);
  assert.deepEqual(rows, [
    ['GET', '/a', '{"flow":"x"}', 2, 3_000],
    ['GET', '/a', '{"flow":"y","group":"g"}', 1, 2_000],
  ]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /more than 2 distinct tagged requests/);
});
