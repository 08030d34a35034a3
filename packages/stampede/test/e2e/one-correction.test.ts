/**
 * One latency correction for every open-model load: against a target that stalls for 1 s three times at known
 * requests (all it receives meanwhile is answered when the stall ends), `stampede quick --rate`, a script with a constant-arrival-rate scenario (`-f`) and the suite's paced load
 * queue the same slots behind each stall and so report the same corrected p50 and p99 (within 5 %), while their raw
 * service time stays at the target's normal latency.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildJsonReport } from '../../src/report/json-report.ts';
import { runHttpLoad } from '../../src/suite/http-load.ts';
import { runCli } from '../fixtures/cli-process.ts';
import { listenFixture } from '../fixtures/fixture-server.ts';

const RATE = 50;
const SECONDS = 4;
const CONNECTIONS = 25;
// The target stalls for 1 s when these requests arrive: everything arriving in that second is answered at its end.
// At 50/s, 25 connections are held and the next ~25 slots queue in the generator, all sent at once when the stall
// ends (so how fast a tool sends a burst barely moves the figures); each request is measured from its slot. Stalls start at 0.4 s, 1.6 s and 2.8 s of the run; each backlog drains before the next stall and the end.
const STALL_AT = new Set([20, 80, 140]);

/**
 * A target that counts requests and stalls as above, in a process of its own (so no tool shares an event loop with
 * it: the suite's load runs in this test's process); fresh per tool, so each sees request 1 first. `GET /__count`
 * answers the count and is not counted.
 */
async function stallingTarget() {
  const code = `
    const stalls = new Set(${JSON.stringify([...STALL_AT])});
    let received = 0, stallEnd = 0;
    const server = require('node:http').createServer((req, res) => {
      if (req.url === '/__count') return res.end(String(received));
      received++;
      const now = performance.now();
      if (stalls.has(received)) stallEnd = now + 1000;
      if (now < stallEnd) setTimeout(() => res.end('ok'), stallEnd - now);
      else res.end('ok');
    });
    server.keepAliveTimeout = 30000;
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));
    process.stdin.on('end', () => process.exit(0)).resume();`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    child.once('exit', (c) => reject(new Error(`target exited with ${c}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    received: async () => Number(await (await fetch(`${url}/__count`)).text()),
    close: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin.end();
    }),
  };
}

interface Latency {
  p50: number;
  p99: number;
}

function summary(name: string, requests: number, raw: Latency, corrected: Latency) {
  return { name, requests, raw, corrected };
}

test('quick --rate, -f with constantArrivalRate and the suite paced load report the same corrected latency', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-correction-'));
  const results: ReturnType<typeof summary>[] = [];
  try {
    {
      const target = await stallingTarget();
      try {
        const json = path.join(dir, 'quick.json');
        const res = await runCli(['quick', `${target.url}/x`, '--rate', String(RATE), '-c', String(CONNECTIONS), '--threads', '1', '-d', `${SECONDS}s`, '--json', json]);
        assert.equal(res.code, 0, res.stderr);
        const r = JSON.parse(readFileSync(json, 'utf8'));
        assert.equal(r.totals.requests, await target.received());
        results.push(summary('quick', r.totals.requests, r.totals.latency_ms, r.totals.latency_corrected_ms));
      } finally {
        await target.close();
      }
    }
    {
      const target = await stallingTarget();
      try {
        const script = path.join(dir, 'arrival.ts');
        writeFileSync(
          script,
          `import { HttpUser, task, type StampedeOptions } from 'stampede-load';
export class Probe extends HttpUser {
  @task async get() { await this.client.get('/x'); }
}
export const options: StampedeOptions = {
  scenarios: { paced: { executor: 'constantArrivalRate', rate: ${RATE}, duration: '${SECONDS}s', preAllocatedUsers: ${CONNECTIONS}, maxUsers: ${CONNECTIONS} } },
};
`,
        );
        const json = path.join(dir, 'arrival.json');
        const res = await runCli(['-f', script, '--headless', '--host', target.url, '--threads', '1', '--json', json, '--only-summary']);
        assert.equal(res.code, 0, res.stderr);
        const r = JSON.parse(readFileSync(json, 'utf8'));
        assert.equal(r.totals.requests, await target.received());
        results.push(summary('-f constantArrivalRate', r.totals.requests, r.totals.latency_ms, r.totals.latency_corrected_ms));
      } finally {
        await target.close();
      }
    }
    {
      const target = await stallingTarget();
      try {
        // The CLI runs warm their path before the clock starts; this process's undici path is warmed here, on a
        // throwaway target, so a compiler pause does not land in the measured second.
        const warm = await listenFixture(createServer((_req, res) => res.end('ok')));
        await runHttpLoad({ baseUrl: warm.url, requests: [{ path: '/x' }], connections: CONNECTIONS, durationS: 0.5 });
        await warm.close();
        const load = await runHttpLoad({ baseUrl: target.url, requests: [{ path: '/x' }], connections: CONNECTIONS, rate: RATE, durationS: SECONDS });
        const r = buildJsonReport({ aggregate: load.aggregate, version: 'test', startedAt: load.startedAtWallMs, endedAt: load.endedAtWallMs, durationS: load.durationS, config: load.config });
        assert.equal(r.totals.requests, await target.received());
        results.push(summary('suite paced load', r.totals.requests, r.totals.latency_ms, r.totals.latency_corrected_ms!));
      } finally {
        await target.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const r of results) t.diagnostic(`${r.name}: ${r.requests} requests, raw ${JSON.stringify(r.raw)}, corrected ${JSON.stringify(r.corrected)}`);
  const [first, ...others] = results;
  for (const r of results) {
    // Every slot of the run is sent once (the backlogs are served well before the end).
    assert.ok(Math.abs(r.requests - RATE * SECONDS) <= 2, `${r.name}: ${r.requests} requests`);
    assert.ok(r.raw.p50 < 50, `${r.name}: raw p50 ${r.raw.p50} ms stays at the target's normal latency`);
    assert.ok(r.corrected.p50 >= 200, `${r.name}: corrected p50 ${r.corrected.p50} ms shows the queueing`);
    assert.ok(r.corrected.p99 >= 950, `${r.name}: corrected p99 ${r.corrected.p99} ms`);
  }
  for (const r of others) {
    for (const p of ['p50', 'p99'] as const) {
      const ratio = r.corrected[p] / first!.corrected[p];
      assert.ok(Math.abs(ratio - 1) <= 0.05, `${r.name} corrected ${p} ${r.corrected[p]} ms vs quick's ${first!.corrected[p]} ms`);
    }
  }
});
