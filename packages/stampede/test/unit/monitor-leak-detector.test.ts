// The leak detector on synthetic series with known slopes and autocorrelated noise (a GC-like sawtooth plus an
// AR(1) wander), and the saturation verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectLeak, judgeSeries } from '../../src/monitor/leak-detector.ts';
import { blockSlopeInterval, fitLine } from '../../src/monitor/linear-fit.ts';
import { assessSaturation } from '../../src/monitor/saturation.ts';
import type { MonitorSample } from '../../src/monitor/types.ts';
import { createRandom } from '../../src/user/random.ts';

/** 2 Hz samples over `seconds`: 1000 req/s, RSS = 80 MB + slope per request + sawtooth + AR(1) noise. */
function series(seconds: number, bytesPerRequest: number, seed = 1, noiseBytes = 2e6) {
  const random = createRandom(seed);
  let ar = 0;
  return Array.from({ length: seconds * 2 }, (_, i) => {
    const t = (i + 1) / 2;
    const requests = Math.round(t * 1000);
    ar = 0.7 * ar + noiseBytes * (random() - 0.5);
    const sawtooth = ((t % 3) / 3) * 4e6;
    return { t, y: 80e6 + bytesPerRequest * requests + sawtooth + ar, requests };
  });
}

test('fitLine recovers an exact line with r² 1', () => {
  const fit = fitLine([0, 1, 2, 3], [1, 3, 5, 7]);
  assert.equal(fit.slope, 2);
  assert.equal(fit.intercept, 1);
  assert.equal(fit.r2, 1);
});

test('blockSlopeInterval covers the true slope of a noisy series', () => {
  const pts = series(30, 500, 7);
  const s = blockSlopeInterval(pts.map((p) => p.requests), pts.map((p) => p.y), 10);
  assert.ok(s.low < 500 && s.high > 500, `[${s.low}, ${s.high}]`);
});

test('a leak of 2 KB/request is flagged, with slope, interval, r² and reason', () => {
  const v = judgeSeries('target_rss_bytes', series(30, 2048), { warmupS: 5 });
  assert.equal(v.verdict, 'leak');
  assert.ok(v.slope_ci_bytes_per_request![0] > 200);
  assert.ok(Math.abs(v.slope_bytes_per_request! - 2048) < 300);
  assert.ok(v.r2! > 0.9);
  assert.equal(v.warmup_s, 5);
  assert.equal(v.confidence, 0.95);
  assert.match(v.reason, /lower bounds exceed 200 B\/request/);
});

test('a flat series is no_leak across seeds', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const v = judgeSeries('target_rss_bytes', series(30, 0, seed), { warmupS: 5 });
    assert.equal(v.verdict, 'no_leak', `seed ${seed}: ${v.reason}`);
  }
});

test('too short, too few requests, or an interval straddling the threshold → inconclusive', () => {
  assert.equal(judgeSeries('rss', series(8, 2048), { warmupS: 5 }).verdict, 'inconclusive');
  const idle = series(30, 0).map((p) => ({ ...p, requests: 10 }));
  assert.match(judgeSeries('rss', idle, { warmupS: 5 }).reason, /requests served/);
  const noisy = judgeSeries('rss', series(30, 200, 3, 4e8), { warmupS: 5 });
  assert.equal(noisy.verdict, 'inconclusive', noisy.reason);
});

test('detectLeak reads target_rss_bytes and requests_total, and the scraped heap when present', () => {
  const samples = series(30, 0).map((p) => ({ t: p.t, target_rss_bytes: p.y, requests_total: p.requests, target_metrics: { nodejs_heap_size_used_bytes: 1e7 + 1500 * p.requests } }) as unknown as MonitorSample);
  const v = detectLeak(samples, { warmupS: 5 });
  assert.equal(v.series, 'target_rss_bytes');
  assert.equal(v.heap?.verdict, 'leak');
  assert.equal(v.verdict, 'leak');
  assert.match(v.reason, /^heap:/);
});

test('saturation: sustained CPU or loop lag, not a single spike', () => {
  const base = { gen_cpu_pct: 20, gen_loop_lag_p99_ms: 5 } as MonitorSample;
  const calm = Array.from({ length: 20 }, () => ({ ...base }));
  calm[4] = { ...base, gen_cpu_pct: 99, gen_loop_lag_p99_ms: 300 };
  assert.equal(assessSaturation(calm, { usableCores: 1 }).saturated, false);
  const busy = calm.map((s, i) => (i % 2 ? { ...s, gen_cpu_pct: 97 } : s));
  const v = assessSaturation(busy, { usableCores: 1 });
  assert.equal(v.saturated, true);
  assert.match(v.reason, /generator CPU ≥ 90%/);
  assert.equal(v.cpu_max_pct, 99);
  assert.equal(assessSaturation(busy, { usableCores: 2 }).saturated, false);
});

/** 2 Hz samples over `seconds` at `rps`: RSS = 80 MB + `bytesPerMin` steady growth + a small AR(1) wander. */
function steadySeries(seconds: number, bytesPerMin: number, rps: number, seed = 1, noiseBytes = 3e5) {
  const random = createRandom(seed);
  let ar = 0;
  return Array.from({ length: seconds * 2 }, (_, i) => {
    const t = (i + 1) / 2;
    ar = 0.7 * ar + noiseBytes * (random() - 0.5);
    return { t, y: 80e6 + (bytesPerMin / 60) * t + ar, requests: Math.round(t * rps) };
  });
}

test('steady growth by the minute is suspect whatever the per-request figure: 8 MiB/min at 3,000 req/s (≈ 47 B/request)', () => {
  const v = judgeSeries('target_rss_bytes', steadySeries(35, 8 * 2 ** 20, 3000), { warmupS: 5 });
  assert.ok(v.slope_bytes_per_request! < 200, `per request ${v.slope_bytes_per_request} B, under the per-request threshold`);
  assert.ok(v.r2! > 0.95);
  assert.equal(v.verdict, 'suspect', v.reason);
  assert.match(v.reason, /grows steadily 8(\.\d+)? MiB\/min .* r² 0\.9\d+ over 30 s .*above 4 MiB\/min whatever the per-request figure/);
  assert.equal(v.suspect_bytes_per_min, 4 * 2 ** 20);
});

test('steady growth is suspect even with too few requests for a per-request slope', () => {
  const v = judgeSeries('target_rss_bytes', steadySeries(35, 8 * 2 ** 20, 10), { warmupS: 5 });
  assert.equal(v.verdict, 'suspect', v.reason);
});

test('below the per-minute threshold, or a loose fit, steady growth stays no_leak', () => {
  assert.equal(judgeSeries('rss', steadySeries(35, 2 * 2 ** 20, 3000), { warmupS: 5 }).verdict, 'no_leak');
  // 8 MiB/min under a 4 MB GC sawtooth and 20 MB of wander: r² far below 0.9, so the per-request rule decides.
  const loose = judgeSeries('rss', series(30, 140, 2, 2e7), { warmupS: 5 });
  assert.ok(loose.r2! < 0.9, `r² ${loose.r2}`);
  assert.notEqual(loose.verdict, 'suspect', loose.reason);
});

test('a per-request leak stays leak, not suspect; a suspect heap makes the overall verdict suspect', () => {
  assert.equal(judgeSeries('rss', series(30, 2048), { warmupS: 5 }).verdict, 'leak');
  const samples = steadySeries(35, 0, 3000).map((p) => ({ t: p.t, target_rss_bytes: p.y, requests_total: p.requests, target_metrics: { nodejs_heap_size_used_bytes: 1e7 + (16 * 2 ** 20 / 60) * p.t } }) as unknown as MonitorSample);
  const v = detectLeak(samples, { warmupS: 5 });
  assert.equal(v.heap?.verdict, 'suspect');
  assert.equal(v.verdict, 'suspect');
  assert.match(v.reason, /^heap: nodejs_heap_size_used_bytes grows steadily 16 MiB\/min/);
});
