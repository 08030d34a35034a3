// Issue 12: past its capacity the API sheds load — 503 with Retry-After, refused before any work — instead of
// falling over, and serves normally again once the load drops. Stampede itself drives it: `stampede quick` against
// `vertex-ar serve --concurrency 2`, both real processes on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fresh, startCli } from '../support/cli-server.ts';

const root = new URL('../../../../', import.meta.url).pathname;
const stampedeBin = join(root, 'packages/stampede/bin/stampede.js');

interface QuickReport {
  totals: { requests: number; failures: number };
  errors: Array<{ kind: string; error: string; count: number }>;
}

function quick(url: string, connections: number, duration: string, json: string): Promise<{ code: number | null; report: QuickReport; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [stampedeBin, 'quick', url, '-c', String(connections), '-d', duration, '--threads', '1', '--json', json], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Bounded: a quick run here never outlives 60 s.
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, report: JSON.parse(readFileSync(json, 'utf8')), stderr });
    });
  });
}

test('past capacity the API answers 503 + Retry-After instead of falling over, and recovers when the load drops', async () => {
  // --concurrency is per worker: one worker makes 2 the whole server's limit.
  const server = await startCli(['--workers', '1', '--concurrency', '2']);
  const dir = mkdtempSync(join(tmpdir(), 'vertex-ar-shedding-'));
  try {
    const target = `${server.url}/health/ready`;
    // While Stampede overloads it, a side probe checks what a refused client is told.
    let probing = true;
    const retryAfter = new Set<string>();
    const probe = (async () => {
      while (probing) {
        const res = await fresh(target).catch(() => undefined);
        if (res?.status === 503) retryAfter.add(String(res.headers['retry-after']));
      }
    })();
    const overload = await quick(target, 64, '4s', join(dir, 'overload.json'));
    probing = false;
    await probe;
    // The shed 503s are failed requests: quick says so with exit 1 (docs/exit-codes.md), and ran to its end.
    assert.equal(overload.code, 1, overload.stderr);
    const kinds = new Map<string, number>();
    for (const e of overload.report.errors) kinds.set(`${e.kind} ${e.error}`, (kinds.get(`${e.kind} ${e.error}`) ?? 0) + e.count);
    assert.ok((kinds.get('http_5xx HTTP 503') ?? 0) > 0, `it shed load: ${JSON.stringify([...kinds])}`);
    assert.deepEqual([...kinds.keys()].filter((k) => k !== 'http_5xx HTTP 503'), [], 'no other failure: no reset, refusal, timeout or 500');
    const served = overload.report.totals.requests - overload.report.totals.failures;
    assert.ok(served > 0, 'it kept serving up to its limit');
    assert.deepEqual([...retryAfter], ['1'], 'every 503 the probe got says when to retry');
    // The process is still up, and below its limit it serves everything again.
    assert.equal(server.child.exitCode, null);
    const calm = await quick(target, 2, '2s', join(dir, 'calm.json'));
    assert.equal(calm.code, 0, calm.stderr);
    assert.ok(calm.report.totals.requests > 50);
    assert.equal(calm.report.totals.failures, 0, JSON.stringify(calm.report.errors));
    const metrics = await fresh(`${server.url}/metrics`);
    const rejected = /^http_requests_rejected_total\{reason="concurrency_limit"\} (\d+)/m.exec(metrics.body);
    assert.ok(rejected && Number(rejected[1]) >= (kinds.get('http_5xx HTTP 503') ?? 0), 'the refusals are counted by the server too');
    console.log(`# shedding: overload ${overload.report.totals.requests} requests, ${served} served, ${overload.report.totals.failures} shed (503); calm ${calm.report.totals.requests} requests, 0 failed`);
  } finally {
    const code = await server.stop();
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, 'a clean shutdown after the overload');
  }
});
