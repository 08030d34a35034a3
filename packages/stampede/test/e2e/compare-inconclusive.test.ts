/**
 * `stampede compare` says `inconclusive` (exit 6), with the run length that would do, when the runs hold too few
 * effective samples to detect the configured effect size — instead of "no significant regression" on two 4 s runs
 * whatever they measured — and still finds a real 30 % shift in two 60 s runs. The short pair is real runs against a
 * loopback server whose latency the test sets; the 60 s pairs are synthetic reports (seeded, autocorrelated series
 * and real HDR histograms) through the same CLI, so the test does not spend two minutes of a shared machine.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CompareResult } from '../../src/report/compare.ts';
import { runCli } from '../fixtures/cli-process.ts';
import { syntheticReport, type SyntheticOptions } from '../fixtures/report-synthetic.ts';

let dir: string;
const servers: Server[] = [];

const SCRIPT = `import { HttpUser, task, constant } from 'stampede-load';
export class Api extends HttpUser {
  static override waitTime = constant(0.01);
  @task async a() { await this.client.get('/a'); }
}
`;

/** A loopback server answering every request after `delayMs`. */
async function listen(delayMs: number): Promise<string> {
  const server = createServer((_req, res) => void setTimeout(() => res.end('ok'), delayMs));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'stampede-compare-power-'));
  writeFileSync(path.join(dir, 'api.ts'), SCRIPT);
});

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

async function compare(base: string, next: string, extra: string[] = []) {
  const json = await runCli(['compare', base, next, '--format', 'json', ...extra]);
  const text = await runCli(['compare', base, next, ...extra]);
  assert.equal(text.code, json.code);
  return { code: json.code, result: JSON.parse(json.stdout) as CompareResult, text: text.stdout, stderr: json.stderr };
}

function synthetic(name: string, o: SyntheticOptions): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(syntheticReport(o)));
  return file;
}

test('two real 4 s runs, the second 30 % slower: inconclusive, exit 6, and how long runs would need to be', async () => {
  const [fast, slow] = await Promise.all([listen(20), listen(26)]);
  const run = async (name: string, host: string) => {
    const file = path.join(dir, `${name}.json`);
    const r = await runCli(['-f', path.join(dir, 'api.ts'), '--headless', '-u', '5', '-r', '5', '--threads', '1', '-t', '4s', '--host', host, '--json', file, '--only-summary'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    return file;
  };
  // Both at once, so they share the machine's noise (docs/reports.md).
  const [base, next] = await Promise.all([run('base4', fast), run('slow4', slow)]);
  const c = await compare(base, next);
  assert.equal(c.code, 6, c.text + c.stderr);
  assert.equal(c.result.verdict, 'inconclusive');
  assert.equal(c.result.regressed, false);
  assert.ok(c.result.inconclusive_reasons.some((r) => /steady-state seconds/.test(r)), c.result.inconclusive_reasons.join('; '));
  assert.ok(c.result.needed_run_s !== null && c.result.needed_run_s > 4, `needed ${c.result.needed_run_s} s`);
  assert.match(c.text, /^Stampede compare: INCONCLUSIVE/);
  assert.match(c.text, new RegExp(`too few effective samples to detect a 20% change in p50 and p95\\. Runs of about ${c.result.needed_run_s} s each would`));
  console.log(`# 4 s pair, +30 %: inconclusive, runs of about ${c.result.needed_run_s} s needed`);
});

test('two 60 s runs: a 30 % shift regresses (exit 1), the same workload is no regression (exit 0), both conclusive', async () => {
  const base = synthetic('base60', { seed: 11, seconds: 60 });
  const same = synthetic('same60', { seed: 12, seconds: 60 });
  const slow = synthetic('slow60', { seed: 12, seconds: 60, scale: () => 1.3 });
  const r = await compare(base, slow);
  assert.equal(r.code, 1, r.text);
  assert.equal(r.result.verdict, 'regressed');
  assert.deepEqual(r.result.inconclusive_reasons, []);
  assert.equal(r.result.overall.verdict, 'regressed');
  const s = await compare(base, same);
  assert.equal(s.code, 0, s.text);
  assert.equal(s.result.verdict, 'no_regression');
  assert.deepEqual(s.result.inconclusive_reasons, []);
  assert.ok(s.result.needed_run_s !== null && s.result.needed_run_s <= 60, `needed ${s.result.needed_run_s} s`);
  // Asking for a finer effect than these runs can show makes the same pair inconclusive, with the length that would.
  const fine = await compare(base, same, ['--effect-size', '6%']);
  assert.equal(fine.code, 6, fine.text);
  assert.ok(fine.result.inconclusive_reasons.some((x) => /effective samples for p(50|95).*needed to detect a 6% change/.test(x)), fine.result.inconclusive_reasons.join('; '));
  assert.ok(fine.result.needed_run_s! > 60, `needed ${fine.result.needed_run_s} s`);
});

test('--effect-size must exceed the tolerance: exit 2, one line', async () => {
  const base = synthetic('bad-base', { seed: 1, seconds: 10 });
  const r = await runCli(['compare', base, base, '--effect-size', '3%']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /--effect-size '3%': it must exceed the tolerance/);
});
