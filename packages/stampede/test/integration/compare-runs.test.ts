// Issue 7: two real runs of the same workload against the same loopback target compare as unchanged; a run with a
// 30 % slowdown injected on one endpoint compares as regressed on that endpoint only. Real CLI, real sockets.
// The three runs go at the same time, each light (5 users, one thread): an A/B design, as docs/reports.md recommends
// for CI. Other test files share this 2-core machine; run one after another, a run could meet a busier machine than
// its partner for its whole length, which no statistic on one run can see.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompareResult } from '../../src/report/compare.ts';

const BIN = fileURLToPath(new URL('../../bin/stampede.js', import.meta.url));
/** Server-side delays in ms: tens of ms, so a few ms of scheduling delay stay well inside the 5 % tolerance. */
const DELAYS: Record<string, number> = { '/a': 50, '/b': 50, '/c': 40 };
/**
 * Pairs of (base, slow) runs measured at most until compare can decide on /b; the second and later pairs run 4× as
 * long. Effective samples grow with the run's length; more users do not help (a loaded machine measured design
 * effects of 25–30 on p50 with 5 users, 410 with 20: 10 s of 5 users left < 10 effective samples above p50).
 */
const SLOW_PAIRS = 3;
const REPEAT_RUN_S = 40;
const REPEAT_USERS = 5;
/** The same target with /b 30 % slower. */
const SLOW_DELAYS: Record<string, number> = { ...DELAYS, '/b': 65 };

const SCRIPT = `import { HttpUser, task, constant } from 'stampede-load';
export class Api extends HttpUser {
  static override waitTime = constant(0.01);
  @task async a() { await this.client.get('/a'); }
  @task async b() { await this.client.get('/b'); }
  @task async c() { await this.client.get('/c'); }
}
`;

let servers: Server[] = [];
let host: string;
let slowHost: string;
let dir: string;

async function listen(delays: Record<string, number>): Promise<string> {
  const server = createServer((req, res) => {
    setTimeout(() => res.end('ok'), delays[req.url ?? ''] ?? 1);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stampede-compare-'));
  await writeFile(join(dir, 'api.ts'), SCRIPT);
  host = await listen(DELAYS);
  slowHost = await listen(SLOW_DELAYS);
});

after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  servers = [];
  if (dir) await rm(dir, { recursive: true, force: true });
});

function cli(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function run(name: string, target: string, durationS = 10, users = 5): Promise<string> {
  const file = join(dir, `${name}.json`);
  const r = await cli(['-f', join(dir, 'api.ts'), '--headless', '-u', String(users), '-r', String(users), '--threads', '1', '-t', `${durationS}s`, '--host', target, '--json', file, '--only-summary']);
  assert.equal(r.code, 0, `run ${name} failed: ${r.stderr}`);
  assert.ok(existsSync(file));
  return file;
}

async function compare(base: string, next: string): Promise<{ code: number | null; result: CompareResult; text: string }> {
  const r = await cli(['compare', base, next, '--format', 'json']);
  const text = (await cli(['compare', base, next])).stdout;
  return { code: r.code, result: JSON.parse(r.stdout) as CompareResult, text };
}

const verdicts = (r: CompareResult) => Object.fromEntries(r.endpoints.map((e) => [e.name, e.verdict]));
/** Whether any latency percentile of endpoint `name` had enough effective samples to decide its verdict. */
const latencyDecides = (r: CompareResult, name: string) =>
  r.endpoints.find((e) => e.name === name)?.metrics.some((m) => m.metric.endsWith('_ms') && m.decides) ?? false;

test('same workload twice: unchanged; 30 % slower /b: regressed on /b only', { timeout: 300_000 }, async (t) => {
  const [base, same, slow] = await Promise.all([run('base', host), run('same', host), run('slow', slowHost)]);

  const a = await compare(base, same);
  t.diagnostic(`same: overall ${a.result.overall.verdict}, ${JSON.stringify(verdicts(a.result))}`);
  if (a.result.regressed || a.result.verdict === 'regressed' || a.result.overall.verdict !== 'unchanged') t.diagnostic(a.text);
  // 10 s of 5 users may hold too few effective samples to see a 20 % change: then inconclusive (exit 6), never 1.
  t.diagnostic(`same: ${a.result.verdict}, runs of about ${a.result.needed_run_s} s needed`);
  assert.equal(a.code, a.result.verdict === 'inconclusive' ? 6 : 0);
  assert.notEqual(a.result.verdict, 'regressed');
  assert.equal(a.result.regressed, false);
  assert.equal(a.result.overall.verdict, 'unchanged');
  assert.deepEqual(verdicts(a.result), { '/a': 'unchanged', '/b': 'unchanged', '/c': 'unchanged' });

  // On a machine loaded enough (CI runs other test files beside this one), the runs' latency series get so
  // autocorrelated that fewer than 10 effective samples lie above /b's percentiles: compare then reports them and
  // decides nothing (docs/reports.md); or its interval on /b is so wide that it still reaches below the 5 % tolerance
  // (a load average of 19 measured [−0.7 %, +37 %]). Neither is a verdict on the shift: measure the pair again, for
  // longer, until compare flags it — at most SLOW_PAIRS pairs, then fail (issue #24: an undecided compare used to
  // pass as `unchanged`, so a compare that never flagged anything passed too).
  let b = await compare(base, slow);
  for (let pair = 2; pair <= SLOW_PAIRS && verdicts(b.result)['/b'] !== 'regressed'; pair++) {
    const why = latencyDecides(b.result, '/b') ? 'the interval on /b still reaches below the tolerance' : 'nothing decides on /b';
    t.diagnostic(`slow: ${why} (design effect ${JSON.stringify(b.result.design_effect)}); measuring pair ${pair} of at most ${SLOW_PAIRS}: ${REPEAT_USERS} users for ${REPEAT_RUN_S} s`);
    const [baseN, slowN] = await Promise.all([run(`base${pair}`, host, REPEAT_RUN_S, REPEAT_USERS), run(`slow${pair}`, slowHost, REPEAT_RUN_S, REPEAT_USERS)]);
    b = await compare(baseN, slowN);
  }
  t.diagnostic(`slow: overall ${b.result.overall.verdict}, ${JSON.stringify(verdicts(b.result))}`);
  if (verdicts(b.result)['/b'] !== 'regressed' || b.code !== 1) t.diagnostic(b.text);
  assert.ok(latencyDecides(b.result, '/b'), `compare could not decide on /b in ${SLOW_PAIRS} pairs of runs:\n${b.text}`);
  assert.equal(verdicts(b.result)['/a'], 'unchanged');
  assert.equal(verdicts(b.result)['/c'], 'unchanged');
  const p50 = b.result.endpoints.find((e) => e.name === '/b')?.metrics.find((m) => m.metric === 'p50_ms');
  // +30 % of the server's delay; a loaded machine adds the same scheduling delay to both sides, which shrinks it.
  assert.ok(p50 && p50.change! > 0.1 && p50.change! < 0.5, `p50 change ${p50?.change}`);
  assert.equal(verdicts(b.result)['/b'], 'regressed');
  assert.equal(b.code, 1, 'exit 1 on a significant regression');
});

test('stampede report rebuilds the HTML report from saved results', { timeout: 60_000 }, async () => {
  const results = join(dir, 'base.json');
  const html = join(dir, 'base.html');
  const r = await cli(['report', results, '--html', html]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(html));
  const usage = await cli(['report', results]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /needs --html/);
});
