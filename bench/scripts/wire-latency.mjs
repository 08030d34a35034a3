// Ground truth of goal 4 (issue 11): each request's time on the wire, from a loopback capture, independent of the
// load generator's own clock. Usage:
//   dumpcap -i lo -f 'tcp port PORT' -w CAPTURE.pcapng      (while the generator runs)
//   node bench/scripts/wire-latency.mjs CAPTURE.pcapng PORT
// Per keep-alive connection, a request starts at its first client→server payload segment and ends at the last
// server→client payload segment before the next request on that connection. Prints one JSON line: the wire
// latency percentiles, how evenly requests were sent (gaps between consecutive sends over all connections) and
// how many requests were already in flight when each one arrived (queueing at a single-threaded target).
import { execFileSync } from 'node:child_process';

const [file, portArg] = process.argv.slice(2);
if (!file || !portArg) {
  process.stderr.write('usage: node bench/scripts/wire-latency.mjs CAPTURE PORT\n');
  process.exit(2);
}
const port = Number(portArg);
const text = execFileSync(
  'tshark',
  ['-r', file, '-Y', `tcp.port == ${port} && tcp.len > 0`, '-T', 'fields', '-E', 'separator=,', '-e', 'frame.time_epoch', '-e', 'tcp.stream', '-e', 'tcp.dstport', '-e', 'tcp.len'],
  { encoding: 'utf8', maxBuffer: 1 << 30 },
);

/** One exchange: µs since the first packet of the capture. */
const requests = [];
const open = new Map(); // stream → the request whose response is being read
let t0 = -1;
for (const line of text.split('\n')) {
  if (line === '') continue;
  const [epoch, stream, dst] = line.split(',');
  // Integer µs from the decimal string (no float rounding at 1e9 s).
  const [sec, frac = ''] = epoch.split('.');
  const us = Number(sec) * 1e6 + Number(frac.padEnd(6, '0').slice(0, 6));
  if (t0 < 0) t0 = us;
  const t = us - t0;
  const current = open.get(stream);
  if (Number(dst) === port) {
    // Client → server: a new request unless this one has had no answer yet (a request in several segments).
    if (current === undefined || current.endUs >= 0) {
      const r = { stream, startUs: t, endUs: -1 };
      requests.push(r);
      open.set(stream, r);
    }
  } else if (current !== undefined) {
    current.endUs = t;
  }
}

const done = requests.filter((r) => r.endUs >= 0).sort((a, b) => a.startUs - b.startUs);
const pct = (sorted, p) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
const wire = done.map((r) => r.endUs - r.startUs).sort((a, b) => a - b);
const gaps = done.slice(1).map((r, i) => r.startUs - done[i].startUs).sort((a, b) => a - b);
// In flight at the target when each request arrived (its predecessors not yet answered).
const inFlight = done.map((r, i) => {
  let n = 0;
  for (let j = i - 1; j >= 0 && j >= i - 50; j--) if (done[j].endUs > r.startUs) n++;
  return n;
});
const queued = inFlight.filter((n) => n > 0).length;
const ms = (us) => Math.round(us) / 1000;
process.stdout.write(
  `${JSON.stringify({
    requests: done.length,
    connections: new Set(done.map((r) => r.stream)).size,
    wire_ms: { p50: ms(pct(wire, 0.5)), p90: ms(pct(wire, 0.9)), p99: ms(pct(wire, 0.99)), max: ms(wire.at(-1)) },
    send_gap_ms: { p10: ms(pct(gaps, 0.1)), p50: ms(pct(gaps, 0.5)), p90: ms(pct(gaps, 0.9)) },
    sent_within_0_5_ms_of_previous_pct: Math.round((1000 * gaps.filter((g) => g < 500).length) / Math.max(1, gaps.length)) / 10,
    arrived_behind_another_pct: Math.round((1000 * queued) / Math.max(1, done.length)) / 10,
    in_flight_on_arrival_max: Math.max(0, ...inFlight),
  })}\n`,
);
