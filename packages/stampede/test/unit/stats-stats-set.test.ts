import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { StatsSet } from '../../src/stats/stats-set.ts';
import { OVERFLOW_NAME } from '../../src/stats/tallies.ts';
import type { RecordedError } from '../../src/stats/recorder.ts';

function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

const PS = [0, 50, 66, 75, 90, 95, 99, 99.9, 99.99, 100];

test('merging deltas from 4 StatsSets equals one StatsSet that saw every sample', () => {
  const r = lcg(7);
  const one = new StatsSet();
  const four = [new StatsSet(), new StatsSet(), new StatsSet(), new StatsSet()];
  const merged = new Aggregate();
  const names = ['/a', '/b', '/c'];
  const failure: RecordedError = { kind: 'http_5xx', message: 'HTTP 503' };
  for (let i = 0; i < 40_000; i++) {
    const name = names[i % 3];
    const latency = Math.exp(6 + r() * 8);
    const corrected = i % 2 === 0 ? latency + r() * 1000 : undefined;
    const error = i % 17 === 0 ? failure : undefined;
    const bytes = Math.floor(r() * 4096);
    one.record('GET', name, latency, bytes, error, corrected);
    four[i % 4].record('GET', name, latency, bytes, error, corrected);
    if (i % 5000 === 4999) for (const s of four) merged.merge(s.snapshot()); // several snapshots per set
  }
  for (const s of four) merged.merge(s.snapshot());
  const single = new Aggregate();
  single.merge(one.snapshot());

  const a = merged.endpoints(10);
  const b = single.endpoints(10);
  assert.equal(a.length, 3);
  for (let i = 0; i < a.length; i++) {
    assert.equal(a[i].name, b[i].name);
    assert.equal(a[i].requests, b[i].requests);
    assert.equal(a[i].failures, b[i].failures);
    assert.equal(a[i].bytesReceived, b[i].bytesReceived);
    assert.deepEqual(a[i].latency.percentilesUs(PS), b[i].latency.percentilesUs(PS));
    assert.deepEqual(a[i].latency.summaryMs(), b[i].latency.summaryMs());
    assert.deepEqual(a[i].corrected?.summaryMs(), b[i].corrected?.summaryMs());
    assert.equal(a[i].latency.encode(), b[i].latency.encode(), 'identical histograms');
  }
  const ta = merged.totals(10);
  const tb = single.totals(10);
  assert.equal(ta.requests, 40_000);
  assert.equal(ta.requests, tb.requests);
  assert.equal(ta.failures, tb.failures);
  assert.deepEqual(ta.latency.summaryMs(), tb.latency.summaryMs());
  assert.deepEqual(merged.errors(), single.errors());
  assert.equal(merged.errors().reduce((n, e) => n + e.count, 0), Math.ceil(40_000 / 17));
});

test('snapshot returns what was recorded since the previous one, then resets', () => {
  const s = new StatsSet();
  s.record('GET', '/a', 1000, 10);
  s.record('GET', '/a', 3000, 20, { kind: 'timeout', message: 'timeout after 5000 ms' });
  s.recordCheck('status is 200', true);
  s.recordCheck('status is 200', false);
  const first = s.snapshot();
  assert.equal(first.endpoints.length, 1);
  const [e] = first.endpoints;
  assert.deepEqual(
    { requests: e.requests, failures: e.failures, bytes: e.bytes, sumUs: e.sumUs, minUs: e.minUs, maxUs: e.maxUs },
    { requests: 2, failures: 1, bytes: 30, sumUs: 4000, minUs: 1000, maxUs: 3000 },
  );
  assert.equal(e.correctedHistogram, undefined, 'corrected histogram only when corrected latency was recorded');
  assert.deepEqual(first.errors, [{ method: 'GET', name: '/a', kind: 'timeout', error: 'timeout after 5000 ms', count: 1 }]);
  assert.deepEqual(first.checks, [{ name: 'status is 200', passes: 1, fails: 1 }]);
  const second = s.snapshot();
  assert.deepEqual(second, { endpoints: [], errors: [], exceptions: [], checks: [] });
  assert.deepEqual(JSON.parse(JSON.stringify(first)), first, 'deltas are JSON-safe');
  assert.deepEqual(structuredClone(first), first, 'deltas are structured-cloneable');
});

test('same method+name from different call sites land in one entry; methods are kept apart', () => {
  const s = new StatsSet();
  s.record('GET', '/items', 100, 0);
  s.record('POST', '/items', 100, 0);
  s.record('GET', '/items' + '', 100, 0);
  const d = s.snapshot();
  assert.deepEqual(
    d.endpoints.map((e) => [e.method, e.name, e.requests]),
    [
      ['GET', '/items', 2],
      ['POST', '/items', 1],
    ],
  );
});

test('distinct names beyond the cap go to (other) with exactly one warning', () => {
  const warnings: string[] = [];
  const s = new StatsSet({ maxNames: 10, onWarning: (m) => warnings.push(m) });
  for (let i = 0; i < 1000; i++) s.record('GET', `/items/${i}`, 500, 1, i % 2 ? { kind: 'http_4xx', message: 'HTTP 404' } : undefined);
  const d = s.snapshot();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /more than 10 distinct request names/);
  assert.equal(d.endpoints.length, 11);
  const other = d.endpoints.find((e) => e.name === OVERFLOW_NAME);
  assert.equal(other?.requests, 990);
  assert.equal(d.endpoints.reduce((n, e) => n + e.requests, 0), 1000, 'no sample lost');
  assert.equal(d.errors.find((e) => e.name === OVERFLOW_NAME)?.count, 495, 'errors follow the overflow name');
  for (let i = 0; i < 1000; i++) s.record('GET', `/more/${i}`, 500, 1);
  s.snapshot();
  assert.equal(warnings.length, 1, 'still one warning');
});

test('the aggregate caps names too, keeping counts exact', () => {
  const warnings: string[] = [];
  const agg = new Aggregate({ maxNames: 5, onWarning: (m) => warnings.push(m) });
  for (let t = 0; t < 3; t++) {
    const s = new StatsSet();
    for (let i = 0; i < 20; i++) s.record('GET', `/t${t}/${i}`, 100, 0);
    agg.merge(s.snapshot());
  }
  assert.equal(warnings.length, 1);
  const eps = agg.endpoints();
  assert.equal(eps.length, 6);
  assert.equal(eps[eps.length - 1].name, OVERFLOW_NAME);
  assert.equal(eps[eps.length - 1].requests, 55);
  assert.equal(agg.totals().requests, 60);
});

test('exceptions are deduplicated by message and stack', () => {
  const s = new StatsSet();
  const make = () => new TypeError('x is undefined');
  const sameSite = make();
  for (let i = 0; i < 3; i++) s.recordException(sameSite);
  for (let i = 0; i < 2; i++) s.recordException(make()); // same message, another stack (another call site)
  s.recordException(new RangeError('bad'));
  s.recordException('a string');
  const d = s.snapshot();
  const typeErrors = d.exceptions.filter((e) => e.message === 'TypeError: x is undefined');
  assert.deepEqual(typeErrors.map((e) => e.count).sort(), [2, 3]);
  assert.match(typeErrors[0].stack, /stats-stats-set\.test\.ts/);
  assert.equal(d.exceptions.find((e) => e.message === 'RangeError: bad')?.count, 1);
  assert.deepEqual(d.exceptions.find((e) => e.message === 'a string'), { message: 'a string', stack: '', count: 1 });
  assert.equal(d.exceptions.length, 4);
});

test('exception and error caps bound memory with one warning each', () => {
  const warnings: string[] = [];
  const s = new StatsSet({ maxErrors: 3, maxExceptions: 2, onWarning: (m) => warnings.push(m) });
  for (let i = 0; i < 50; i++) s.record('GET', '/a', 1, 0, { kind: 'interrupted', message: `stopped ${i}` });
  for (let i = 0; i < 50; i++) s.recordException(new Error(`boom ${i}`));
  const d = s.snapshot();
  assert.equal(d.errors.length, 4);
  assert.equal(d.errors.reduce((n, e) => n + e.count, 0), 50);
  assert.ok(d.errors.every((e) => e.kind === 'interrupted'), 'kind kept in the overflow row');
  assert.equal(d.exceptions.length, 3);
  assert.equal(d.exceptions.reduce((n, e) => n + e.count, 0), 50);
  assert.equal(warnings.length, 2);
});
