// The monitor on the real /proc and clock: every field present with sane values for a target process tree, the
// target's /metrics scraped, and the cadence held at 0.5 s ± 0.1 s while this process drives an HTTP load.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { systemClock } from '../../src/clock.ts';
import { Monitor } from '../../src/monitor/monitor.ts';
import { runHttpLoad } from '../../src/suite/http-load.ts';
import { startLeakServer, type LeakFixture } from '../fixtures/leak-fixture.ts';

let server: LeakFixture;
before(async () => {
  server = await startLeakServer('clean');
});
after(() => server.close());

test('samples the machine, the target tree and the generator; scrapes /metrics; holds 0.5 s ± 0.1 s under load', async () => {
  const monitor = new Monitor({ clock: systemClock, targetPid: server.pid, scrape: { url: `${server.url}/metrics`, series: ['process_resident_memory_bytes', 'leak_fixture_requests_total'] } });
  monitor.start();
  await runHttpLoad({ baseUrl: server.url, requests: [{ path: '/x' }], connections: 8, durationS: 4, onStart: (live) => (monitor.requestsServed = live.requests) });
  await monitor.stop();
  const samples = monitor.samples();
  assert.ok(samples.length >= 7, `${samples.length} samples`);
  const gaps = samples.slice(1).map((s, i) => s.t - samples[i]!.t);
  for (const gap of gaps) assert.ok(gap >= 0.4 - 1e-9 && gap <= 0.6 + 1e-9, `gap ${gap} s in ${JSON.stringify(gaps)}`);
  const cores = readFileSync('/proc/stat', 'latin1').split('\n').filter((l) => /^cpu\d/.test(l)).length;
  const last = samples.at(-2)!; // the last full sample under load
  assert.equal(last.cpu_per_core_pct.length, cores);
  assert.ok(last.cpu_pct >= 0 && last.cpu_pct <= 100);
  assert.ok(last.mem_used_bytes > 0 && last.mem_available_bytes > 0);
  assert.ok(last.net_lo_rx_bps > 0, 'loopback traffic seen');
  assert.ok(last.target_rss_bytes! > 10e6 && last.target_open_files! > 3 && last.target_threads! >= 1);
  assert.ok(last.target_cpu_pct! > 0, 'the target worked');
  assert.ok(last.gen_rss_bytes > 0 && last.gen_heap_used_bytes > 0 && last.gen_cpu_pct > 0);
  assert.ok(last.requests_total! > 0);
  const scraped = samples.filter((s) => s.target_metrics);
  assert.ok(scraped.length >= 2, `${scraped.length} scrapes`);
  assert.ok(scraped.at(-1)!.target_metrics!.process_resident_memory_bytes! > 10e6);
  assert.ok(scraped.at(-1)!.target_metrics!.leak_fixture_requests_total! > 0);
});

test('a target without /metrics is noted once and the target gone gives null fields', async () => {
  const gone = await startLeakServer('clean');
  const monitor = new Monitor({ clock: systemClock, targetPid: gone.pid, intervalMs: 200, scrape: { url: `${gone.url}/nothing-here` } });
  monitor.start();
  for (let i = 0; i < 100 && monitor.scrapeUnavailable === undefined; i++) await systemClock.sleep(50);
  await gone.close();
  const count = monitor.samples().length;
  for (let i = 0; i < 100 && monitor.samples().length < count + 2; i++) await systemClock.sleep(50);
  await monitor.stop();
  assert.match(monitor.scrapeUnavailable ?? "", /not in the Prometheus text format/);
  assert.equal(monitor.samples().at(-1)!.target_rss_bytes, null);
});
