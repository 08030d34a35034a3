/**
 * Benchmark (not a test): requests/s of the instrumented HTTP client, 50 sessions in a closed loop against a
 * node:http hello server, next to peers measured in the same run on the same dispatcher settings:
 *   - `undici request()`: the bare undici API the session is measured against (no recording, no naming);
 *   - `stampede session`: createHttpSession + a counting recorder.
 * The server runs in a worker thread so that it does not share the client's event loop; on a 2-core machine the
 * server still competes for CPU, so the absolute figure is a floor. The client's own cost is printed too:
 * event-loop utilisation × time / requests = µs of main-thread work per request (independent of server speed).
 * Run: node --import tsx bench/http-client.bench.ts [seconds per case]   (default 5; each case runs twice)
 * Prints one JSON line per case; compare runs on the same machine only.
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { createDispatcher } from '../packages/stampede/src/http/dispatcher.ts';
import { createHttpSession } from '../packages/stampede/src/http/session.ts';
import type { Recorder } from '../packages/stampede/src/stats/recorder.ts';

const seconds = Number(process.argv[2] ?? 5);
const SESSIONS = 50;
const ROUNDS = 2;

const serverSource = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
const body = Buffer.from('hello world');
const server = createServer((req, res) => { res.setHeader('content-type', 'text/plain'); res.end(body); });
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

class CountingRecorder implements Recorder {
  requests = 0;
  failures = 0;
  record(_m: string, _n: string, _l: number, _b: number, error?: unknown): void {
    this.requests++;
    if (error !== undefined) this.failures++;
  }
  recordException(): void {}
  recordCheck(): void {}
}

/** Run `loop` in SESSIONS concurrent closed loops until the deadline; return requests/s and client µs/request. */
async function measureCase(label: string, loop: (i: number, until: number) => Promise<number>): Promise<number> {
  await Promise.all(Array.from({ length: SESSIONS }, (_, i) => loop(i, performance.now() + 500))); // warm-up
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  const counts = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => loop(i, until)));
  const elapsedMs = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const requests = counts.reduce((a, b) => a + b, 0);
  const rps = requests / (elapsedMs / 1000);
  const clientUs = (elu * elapsedMs * 1000) / requests;
  console.log(
    JSON.stringify({ case: label, sessions: SESSIONS, requests, rps: Math.round(rps), client_us_per_req: +clientUs.toFixed(1), elu: +elu.toFixed(2) }),
  );
  return rps;
}

async function main(): Promise<void> {
  const worker = new Worker(serverSource, { eval: true });
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  const origin = `http://127.0.0.1:${port}`;

  const rawAgent = new Agent({ connections: 1024, pipelining: 1, keepAliveTimeout: 4_000 });
  const rawLoop = async (_i: number, until: number) => {
    let n = 0;
    while (performance.now() < until) {
      const res = await rawAgent.request({ origin, path: '/hello', method: 'GET' });
      await res.body.bytes();
      n++;
    }
    return n;
  };
  const dispatcher = createDispatcher();
  const recorder = new CountingRecorder();
  const sessions = Array.from({ length: SESSIONS }, () => createHttpSession({ baseUrl: origin, recorder, dispatcher }));
  const sessionLoop = async (i: number, until: number) => {
    const session = sessions[i]!;
    let n = 0;
    while (performance.now() < until) {
      await session.get('/hello');
      n++;
    }
    return n;
  };
  // Alternate the cases (A B A B) and keep each one's best: the machine is shared, so noise is one-sided.
  let raw = 0;
  let ours = 0;
  for (let round = 0; round < ROUNDS; round++) {
    raw = Math.max(raw, await measureCase('undici request()', rawLoop));
    ours = Math.max(ours, await measureCase('stampede session', sessionLoop));
  }
  if (recorder.failures > 0) throw new Error(`${recorder.failures} failed requests: the figure is invalid`);
  console.log(
    JSON.stringify({ case: 'best', undici_rps: Math.round(raw), stampede_rps: Math.round(ours), stampede_vs_undici_request: +(ours / raw).toFixed(2) }),
  );
  await rawAgent.close();
  await dispatcher.close();
  await worker.terminate();
}

await main();
