/**
 * Micro-benchmark (not a test): ns per StatsSet.record() on an existing entry — the hot path of every request.
 * Run: node --import tsx bench/record.bench.ts [calls]   (default 10,000,000)
 * Prints one JSON line per case; compare runs on the same machine only.
 */
import { StatsSet } from '../packages/stampede/src/stats/stats-set.ts';

const calls = Number(process.argv[2] ?? 10_000_000);
const latencies = new Float64Array(1 << 16);
for (let i = 0; i < latencies.length; i++) latencies[i] = Math.exp(5 + Math.random() * 6); // ~150 µs .. 60 ms
const names = ['/a', '/b', '/c', '/d'];
const failure = { kind: 'http_5xx', message: 'HTTP 503' } as const;

function run(label: string, body: (set: StatsSet, i: number) => void): void {
  const set = new StatsSet();
  for (let i = 0; i < 100_000; i++) body(set, i); // warm-up: entries exist, JIT settled
  set.snapshot();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) body(set, i);
  const ns = Number(process.hrtime.bigint() - t0);
  const snap = set.snapshot();
  const recorded = snap.endpoints.reduce((n, e) => n + e.requests, 0);
  if (recorded !== calls) throw new Error(`lost samples: ${recorded} != ${calls}`);
  console.log(JSON.stringify({ case: label, calls, ns_per_op: +(ns / calls).toFixed(1) }));
}

run('same endpoint', (s, i) => s.record('GET', '/a', latencies[i & 0xffff], 512));
run('4 endpoints round-robin', (s, i) => s.record('GET', names[i & 3], latencies[i & 0xffff], 512));
run('same endpoint, open model (corrected)', (s, i) =>
  s.record('GET', '/a', latencies[i & 0xffff], 512, undefined, latencies[(i + 7) & 0xffff]),
);
run('1% failures', (s, i) => s.record('GET', '/a', latencies[i & 0xffff], 512, i % 100 === 0 ? failure : undefined));
