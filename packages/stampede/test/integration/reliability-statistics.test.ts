// Issue 12: statistical checks state their false-positive rate and their minimum duration, measured here on
// seeded synthetic series whose truth is known (flat, or leaking at a known rate), many seeds each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeSeries } from '../../src/monitor/leak-detector.ts';
import { createRandom } from '../../src/user/random.ts';
import { heapGrowthOk, heapSlope, SOAK_MAX_BYTES_PER_MIN, type HeapSample } from '../fixtures/heap-slope.ts';

/**
 * A monitor series at 2 Hz for `seconds`: 1000 req/s, RSS = 80 MB + bytesPerRequest × requests + a GC-like 4 MB
 * sawtooth (3 s period) + AR(1) noise (ρ 0.7, ±noiseBytes/2 innovations). The leak detector's real input shape.
 */
function rssSeries(seconds: number, bytesPerRequest: number, seed: number, noiseBytes = 2e6) {
  const random = createRandom(seed);
  let ar = 0;
  return Array.from({ length: seconds * 2 }, (_, i) => {
    const t = (i + 1) / 2;
    const requests = Math.round(t * 1000);
    ar = 0.7 * ar + noiseBytes * (random() - 0.5);
    return { t, y: 80e6 + bytesPerRequest * requests + ((t % 3) / 3) * 4e6 + ar, requests };
  });
}

// The leak detector's defaults: 5 s warm-up, then a fit window of at least 10 s (MIN_DURATION_S) and 20 samples.
const WARMUP_S = 5;
const MIN_DURATION_S = 10;
const SEEDS = 1000;

test('leak detector: false-positive rate ≤ 0.5 % on flat memory at the minimum duration (1000 seeds)', () => {
  // Stated FP rate: ≤ 0.5 % for a flat series with 4 MB GC sawtooth and autocorrelated noise, at the minimum
  // duration (5 s warm-up + 10 s window). A leak verdict needs the 95 % LOWER bound above 200 B/request and
  // 1 MiB/min, so a flat series is flagged only when noise fakes a slope ~2 intervals wide.
  let leaks = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    if (judgeSeries('rss', rssSeries(WARMUP_S + MIN_DURATION_S + 0.5, 0, seed), { warmupS: WARMUP_S }).verdict === 'leak') leaks++;
  }
  assert.ok(leaks / SEEDS <= 0.005, `${leaks} false leaks in ${SEEDS}`);
});

test('leak detector: at exactly the threshold growth (200 B/request) it says leak in ≤ 5 % of runs (nominal 2.5 %)', () => {
  let leaks = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    if (judgeSeries('rss', rssSeries(30, 200, seed), { warmupS: WARMUP_S }).verdict === 'leak') leaks++;
  }
  assert.ok(leaks / SEEDS <= 0.05, `${leaks} leak verdicts in ${SEEDS} at the threshold`);
});

test('leak detector: below the minimum duration it never decides; at it, a 2 KB/request leak is found in ≥ 95 % of runs', () => {
  let found = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const short = judgeSeries('rss', rssSeries(WARMUP_S + MIN_DURATION_S - 1, 2048, seed), { warmupS: WARMUP_S });
    assert.equal(short.verdict, 'inconclusive', short.reason);
    if (judgeSeries('rss', rssSeries(WARMUP_S + MIN_DURATION_S + 0.5, 2048, seed), { warmupS: WARMUP_S }).verdict === 'leak') found++;
  }
  assert.ok(found / 200 >= 0.95, `found ${found} of 200`);
});

/** Heap after a forced GC every `everyS` s for `seconds`: 40 MB + slope + AR(1) noise (ρ 0.5, ±noise/2). */
function heapSeries(seconds: number, bytesPerMin: number, seed: number, noiseBytes: number, everyS = 2): HeapSample[] {
  const random = createRandom(seed);
  let ar = 0;
  return Array.from({ length: Math.floor(seconds / everyS) }, (_, i) => {
    const tS = (i + 1) * everyS;
    ar = 0.5 * ar + noiseBytes * (random() - 0.5);
    return { tS, heapBytes: 40e6 + (bytesPerMin / 60) * tS + ar };
  });
}

// The soak test's procedure (test/soak/soak-heap.test.ts): 3 minutes, heap sampled every 2 s after a forced GC,
// fitted after a 30 s warm-up, verdict on the point slope against 1 MB/min.
const SOAK_S = 180;
const SOAK_WARMUP_S = 30;

test('soak heap check: false-positive rate ≤ 1 % for a flat heap with up to 1 MB of noise, 3-minute minimum duration (1000 seeds)', () => {
  // Stated: with post-GC heap noise up to 1 MB peak-to-peak (AR(1), ρ 0.5) — the soak test prints its own residual,
  // typically tens of kB — a flat heap fails the 1 MB/min check in ≤ 1 % of runs of the 3-minute minimum.
  let failures = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    if (!heapGrowthOk(heapSlope(heapSeries(SOAK_S, 0, seed, 1e6), SOAK_WARMUP_S))) failures++;
  }
  assert.ok(failures / SEEDS <= 0.01, `${failures} false failures in ${SEEDS}`);
});

test('soak heap check: a real 3 MB/min heap leak fails it in ≥ 99 % of runs', () => {
  let caught = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    if (!heapGrowthOk(heapSlope(heapSeries(SOAK_S, 3 * SOAK_MAX_BYTES_PER_MIN, seed, 1e6), SOAK_WARMUP_S))) caught++;
  }
  assert.ok(caught / SEEDS >= 0.99, `caught ${caught} of ${SEEDS}`);
});

/**
 * RSS at 2 Hz growing `bytesPerMin` steadily at 3,000 req/s, under AR(1) noise (ρ 0.7, ±noiseBytes/2 innovations,
 * about 0.2 MB standard deviation at the default: a steady grower with r² ≈ 0.99 at 8 MiB/min, as seen in a suite).
 */
function steadySeries(seconds: number, bytesPerMin: number, seed: number, noiseBytes = 5e5) {
  const random = createRandom(seed);
  let ar = 0;
  return Array.from({ length: seconds * 2 }, (_, i) => {
    const t = (i + 1) / 2;
    ar = 0.7 * ar + noiseBytes * (random() - 0.5);
    return { t, y: 80e6 + (bytesPerMin / 60) * t + ar, requests: Math.round(t * 3000) };
  });
}

const MIB = 2 ** 20;

test('leak detector, steady-growth rule: flat memory is suspect in ≤ 0.5 % of runs at the minimum duration and at 30 s (1000 seeds each)', () => {
  // The rule needs the per-second slope's 95 % lower bound above 4 MiB/min AND r² ≥ 0.9: noise alone rarely fakes
  // a slope, and never a tight one.
  let suspects = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    for (const seconds of [WARMUP_S + MIN_DURATION_S + 0.5, 35]) {
      if (judgeSeries('rss', rssSeries(seconds, 0, seed), { warmupS: WARMUP_S }).verdict === 'suspect') suspects++;
    }
  }
  console.log(`# steady-growth rule: ${suspects}/${2 * SEEDS} flat series suspect`);
  assert.ok(suspects / (2 * SEEDS) <= 0.005, `${suspects} false suspects in ${2 * SEEDS}`);
});

test('leak detector, steady-growth rule: at exactly the threshold (4 MiB/min) suspect in ≤ 5 % of runs; 8 MiB/min found in ≥ 95 % at 30 s', () => {
  let atThreshold = 0;
  let found = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    if (judgeSeries('rss', steadySeries(35, 4 * MIB, seed), { warmupS: WARMUP_S }).verdict === 'suspect') atThreshold++;
    if (judgeSeries('rss', steadySeries(35, 8 * MIB, seed), { warmupS: WARMUP_S }).verdict === 'suspect') found++;
  }
  console.log(`# steady-growth rule: ${atThreshold}/${SEEDS} suspect at 4 MiB/min, ${found}/${SEEDS} at 8 MiB/min`);
  assert.ok(atThreshold / SEEDS <= 0.05, `${atThreshold} suspect verdicts in ${SEEDS} at the threshold`);
  assert.ok(found / SEEDS >= 0.95, `found ${found} of ${SEEDS}`);
});
