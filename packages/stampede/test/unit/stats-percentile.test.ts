import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFromCompressedBase64, type JsHistogram } from 'hdr-histogram-js';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { LatencyHistogram, createLatencyHdr, LATENCY_HIGHEST_US } from '../../src/stats/latency-histogram.ts';
import { nearestRank } from '../../src/stats/percentile.ts';

import { StatsSet } from '../../src/stats/stats-set.ts';
import { createRandom as rng } from '../../src/user/random.ts';

/** The exact percentile of sorted samples (nearest rank): the oracle the histogram is held against. */
function exactPercentile(sortedSamples: ArrayLike<number>, p: number): number {
  return sortedSamples.length === 0 ? NaN : sortedSamples[nearestRank(p, sortedSamples.length) - 1]!;
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const distributions: Record<string, (r: () => number) => number> = {
  uniform: (r) => 100 + r() * 2_000_000, // 0.1 ms .. 2 s, in µs
  lognormal: (r) => Math.exp(Math.log(20_000) + 1.2 * normal(r)), // median 20 ms
  bimodal: (r) => (r() < 0.8 ? 3_000 + 500 * normal(r) : 450_000 + 60_000 * normal(r)), // cache hits vs misses
};

function aggregateOf(samples: number[]): Aggregate {
  const set = new StatsSet();
  for (const s of samples) set.record('GET', '/x', s, 0);
  const agg = new Aggregate();
  agg.merge(set.snapshot());
  return agg;
}

test('nearest rank: samples 1..100 give p50 = 50, p99 = 99, p100 = 100, p0 = 1', () => {
  const samples = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(exactPercentile(samples, 50), 50);
  assert.equal(exactPercentile(samples, 99), 99);
  assert.equal(exactPercentile(samples, 100), 100);
  assert.equal(exactPercentile(samples, 0), 1);
  const latency = aggregateOf(samples).totals().latency; // 1..100 µs
  assert.deepEqual(latency.percentilesUs([0, 50, 90, 99, 100]), [1, 50, 90, 99, 100]);
});

test('samples 1..100 ms give p50 = 50 ms and p99 = 99 ms in the summary', () => {
  const samples = Array.from({ length: 100 }, (_, i) => (i + 1) * 1000);
  const s = aggregateOf(samples).totals().latency.summaryMs();
  assert.equal(s.p50, 50);
  assert.equal(s.p99, 99);
  assert.equal(s.min, 1);
  assert.equal(s.max, 100);
  assert.equal(s.mean, 50.5);
});

test('nearest rank survives float error (p99.9 of 100,000 is rank 99,900)', () => {
  assert.equal(nearestRank(99.9, 100_000), 99_900);
  assert.equal(nearestRank(99.99, 100_000), 99_990);
  assert.equal(nearestRank(50, 1), 1);
  assert.equal(nearestRank(0.0001, 10), 1);
});

for (const [label, draw] of Object.entries(distributions)) {
  test(`histogram percentiles within 0.1 % of exact nearest rank: ${label}, 100k samples`, () => {
    const r = rng(label.length * 7919);
    const samples = Array.from({ length: 100_000 }, () => Math.max(1, draw(r)));
    const exact = samples.map((s) => Math.round(s)).sort((a, b) => a - b);
    const latency = aggregateOf(samples).totals().latency;
    const ps = [50, 90, 95, 99, 99.9];
    const got = latency.percentilesUs(ps);
    ps.forEach((p, i) => {
      const want = exactPercentile(exact, p);
      const rel = Math.abs(got[i] - want) / want;
      assert.ok(rel <= 0.001, `${label} p${p}: histogram ${got[i]} vs exact ${want} (${(rel * 100).toFixed(4)} %)`);
    });
    assert.equal(latency.count, 100_000);
    assert.equal(latency.minUs, exact[0]);
    assert.equal(latency.maxUs, exact[exact.length - 1]);
    const mean = exact.reduce((a, b) => a + b, 0) / exact.length;
    assert.ok(Math.abs(latency.meanUs - mean) < 1e-6 * mean, 'mean is exact');
  });
}

test('LatencyHistogram uses exactly the hdr-histogram-js counts layout', () => {
  const r = rng(42);
  const ours = new LatencyHistogram();
  const reference = createLatencyHdr();
  const values = [0, 1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 1e6, 123_456_789, LATENCY_HIGHEST_US];
  for (let i = 0; i < 20_000; i++) values.push(Math.round(Math.exp(r() * Math.log(LATENCY_HIGHEST_US))));
  for (const v of values) {
    ours.record(v);
    reference.recordValue(v);
  }
  const drained = decodeFromCompressedBase64(ours.encodeAndClear(true), 32, false) as JsHistogram;
  assert.equal(drained.totalCount, reference.totalCount);
  for (let i = 0; i < reference.countsArrayLength; i++) {
    if (drained.getCountAtIndex(i) !== reference.getCountAtIndex(i)) assert.fail(`counts differ at index ${i}`);
  }
  assert.equal(ours.count, 0, 'drained recorder is empty');
});

test('out-of-range latencies are clamped, not thrown', () => {
  const h = new LatencyHistogram();
  h.record(-5);
  h.record(Number.NaN);
  h.record(LATENCY_HIGHEST_US * 10);
  assert.equal(h.count, 3);
  assert.equal(h.minUs, 0);
  assert.equal(h.maxUs, LATENCY_HIGHEST_US);
});
