// Issue 6: the leak fixture is caught and the clean fixture is judged no_leak, each server in its own child process
// (its RSS apart from ours) under a bounded closed-loop load from this process (8 connections; 15 s for the leak;
// for the clean one 3 runs, each until both fit windows span 12 s and decide, at most 45 s: the file stays inside the runner's 180 s).
//
// Detector settings for both: warm-up 2 s and 5,000 requests, fit window ≥ 6 s, 10 block means (t with 8 df,
// t₀.₉₇₅ = 2.306), thresholds 200 B/request and 1 MiB/min on the 95 % lower bounds.
//
// False-positive rate, from measuring the clean server with exactly these settings on this 2-core machine while it
// was loaded (load average 4–22 from other work): 37 runs (22 before the request warm-up was added, 15 after),
// none flagged. With the request warm-up the per-request slope estimates ranged −133 … +12 B/request and their
// standard errors 1.2 … 79 B/request. A run is flagged only if ŝ − 2.306·SE > 200 (and the later half grows
// > 200 B/request, and the per-minute bound > 1 MiB/min). Pessimistically taking a true clean slope of +30 B/request
// and the worst SE seen, 80 B/request: P(flag) = P(T₈ > 2.306 + 170/80 = 4.43) = 0.0011 per run; at a typical
// SE of 40: P(T₈ > 6.56) = 9e-5. Three runs per test: ≤ 0.33 % worst case, ~3e-4 typical — the leaking fixture
// (3 KB/request) sits at ~3,100 B/request with intervals ±100, fifteen standard errors past the threshold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/clock.ts';
import { detectLeak, type LeakOptions, type LeakVerdict } from '../../src/monitor/leak-detector.ts';
import { Monitor } from '../../src/monitor/monitor.ts';
import { runHttpLoad } from '../../src/suite/http-load.ts';
import { startLeakServer } from '../fixtures/leak-fixture.ts';

const detector: LeakOptions = { warmupS: 2, warmupRequests: 5000, minDurationS: 6, minSamples: 12 };
/** The clean runs load until both fit windows (RSS and heap, after the warm-ups) span this long: 12 s. */
const CLEAN_WINDOW_S = 12;
/** ... and never longer than this; a machine too slow to give the detector its data fails the test. */
const CLEAN_MAX_S = 45;

/**
 * Loads the fixture in its own process and judges the monitor's samples. With `until`, the load stops as soon as
 * the verdict on the samples so far says the detector has its data (checked every 0.5 s), at most `durationS`.
 */
async function verdictFor(mode: 'leak' | 'clean', durationS: number, until?: (v: LeakVerdict) => boolean): Promise<LeakVerdict> {
  const server = await startLeakServer(mode, 3072);
  try {
    const monitor = new Monitor({ clock: systemClock, targetPid: server.pid, scrape: { url: `${server.url}/metrics` } });
    const stop = new AbortController();
    const poll = until ? setInterval(() => until(detectLeak(monitor.samples(), detector)) && stop.abort(), 500) : undefined;
    monitor.start();
    try {
      await runHttpLoad({ baseUrl: server.url, requests: [{ path: '/x' }], connections: 8, durationS, signal: stop.signal, onStart: (live) => (monitor.requestsServed = live.requests) });
    } finally {
      clearInterval(poll);
    }
    await monitor.stop();
    return detectLeak(monitor.samples(), detector);
  } finally {
    await server.close();
  }
}

/** Both series' fit windows span CLEAN_WINDOW_S, and neither interval straddles the thresholds ("run longer"). */
const enoughData = (v: LeakVerdict) =>
  v.duration_s >= CLEAN_WINDOW_S && v.heap !== undefined && v.heap.duration_s >= CLEAN_WINDOW_S && v.heap.samples >= detector.minSamples! &&
  v.verdict !== 'inconclusive' && v.heap.verdict !== 'inconclusive';

test('the fixture keeping 3 KB per request is flagged as a leak, with slope and fit', async () => {
  // 15 s rather than 10: on a loaded machine the 5,000-request warm-up can take several seconds.
  const v = await verdictFor('leak', 15);
  assert.equal(v.verdict, 'leak', v.reason);
  assert.ok(v.slope_ci_bytes_per_request![0] > 200);
  assert.ok(v.slope_bytes_per_request! > 1500 && v.slope_bytes_per_request! < 6000, `${v.slope_bytes_per_request} B/request`);
  assert.ok(v.r2! > 0.8, `r² ${v.r2}`);
  assert.ok(v.slope_bytes_per_s! > 0);
});

test('the fixture dropping what it allocates is judged no_leak, RSS and heap, in three runs', { timeout: 240_000 }, async (t) => {
  // Issue #24: `verdict !== 'leak'` also passed a detector that never decides. Each run loads until the detector
  // has a 12 s window on both series (10 s runs gave the heap 8–10 scraped samples: inconclusive by its own rule)
  // and, on a loaded machine whose RSS wanders, until neither interval straddles the thresholds (the detector's
  // "run longer"); then both verdicts must be no_leak: measured at 14 s windows, RSS intervals ⊂ [−41, +10] B/request and heap
  // intervals ⊂ [−11, +9], against the 200 B/request threshold.
  for (let run = 1; run <= 3; run++) {
    const v = await verdictFor('clean', CLEAN_MAX_S, enoughData);
    t.diagnostic(`run ${run}: ${v.reason} | heap: ${v.heap?.reason}`);
    assert.ok(enoughData(v), `run ${run}: no decision on ${CLEAN_WINDOW_S} s or more of data within ${CLEAN_MAX_S} s: ${v.reason} | heap: ${v.heap?.reason}`);
    assert.equal(v.verdict, 'no_leak', `run ${run}: ${v.reason}`);
    assert.equal(v.heap!.verdict, 'no_leak', `run ${run} heap: ${v.heap!.reason}`);
  }
});
