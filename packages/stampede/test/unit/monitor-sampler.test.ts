// The monitor's scheduling on a fake clock: exact sample times, slots kept against the clock (a late tick does not
// shift the later ones), the bounded ring, requests_total and the report section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextDueMs, nextSlotMs } from '../../src/monitor/cadence.ts';
import { Monitor } from '../../src/monitor/monitor.ts';
import type { Probe } from '../../src/monitor/types.ts';
import { FakeClock } from './fake-clock.ts';

/** A probe that reports the interval it was given, so the test sees what the monitor measured. */
function intervalProbe(): Probe & { intervals: number[] } {
  const intervals: number[] = [];
  return { intervals, read: (s) => (intervals.push(s), { gen_cpu_pct: s }) };
}

test('samples at exactly every 500 ms of the clock, t in seconds since start', async () => {
  const clock = new FakeClock();
  const probe = intervalProbe();
  let served = 0;
  const monitor = new Monitor({ clock, probes: [probe], requestsServed: () => (served += 10) });
  monitor.start();
  await clock.advance(5000);
  await monitor.stop();
  const s = monitor.samples();
  assert.deepEqual(s.map((x) => x.t), [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]);
  assert.deepEqual(probe.intervals, [0, ...Array(10).fill(0.5)]); // baseline read at start, then one per tick
  assert.deepEqual(s.map((x) => x.requests_total), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  assert.equal(monitor.maxLateMs, 0);
});

test('nextDueMs: on the grid when on time or a little late, re-anchored after a late tick', () => {
  assert.equal(nextDueMs(500, 500, 500), 1000);
  assert.equal(nextDueMs(500, 500, 549), 1000); // 49 ms late: within a tenth of the interval, no drift
  assert.equal(nextDueMs(500, 500, 640), 1140); // 140 ms late: next gap is a full interval, not 360 ms
  assert.equal(nextDueMs(500, 500, 499.5), 1000);
});

test('nextSlotMs (the scraper) keeps slots on the grid and skips the ones a late tick missed', () => {
  assert.equal(nextSlotMs(0, 500, 0), 500);
  assert.equal(nextSlotMs(0, 500, 499.9), 500);
  assert.equal(nextSlotMs(0, 500, 500), 1000);
  assert.equal(nextSlotMs(0, 500, 640), 1000); // 140 ms late: the next slot is still on the grid
  assert.equal(nextSlotMs(0, 500, 1730), 2000); // more than an interval late: 1500 is skipped
  assert.equal(nextSlotMs(100, 500, 50), 600);
});

test('the ring is bounded: oldest samples dropped', async () => {
  const clock = new FakeClock();
  const monitor = new Monitor({ clock, probes: [intervalProbe()], capacity: 4, intervalMs: 100 });
  monitor.start();
  await clock.advance(1000);
  await monitor.stop();
  assert.deepEqual(monitor.samples().map((x) => x.t), [0.7, 0.8, 0.9, 1]);
  assert.equal(monitor.droppedSamples, 6);
});

test('toReport: interval, samples re-based from a load start, and the leak verdict', async () => {
  const clock = new FakeClock();
  const monitor = new Monitor({ clock, probes: [intervalProbe()] });
  monitor.start();
  await clock.advance(2000);
  await monitor.stop();
  const report = monitor.toReport({ verdict: 'inconclusive', series: 'target_rss_bytes', reason: 'short', confidence: 0.95, warmup_s: 5, duration_s: 0, samples: 0, min_bytes_per_request: 200, min_bytes_per_min: 1048576 }, 1);
  assert.equal(report.interval_s, 0.5);
  assert.deepEqual(report.samples.map((x) => x.t), [0, 0.5, 1]);
  assert.equal(report.leak?.verdict, 'inconclusive');
});
