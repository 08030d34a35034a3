/**
 * The suite writes its report directory as it runs: after every test, that test's results JSON and page, a
 * summary.json marked `partial` while tests remain (with each test's disk and network figures), and report.html. So
 * a SIGKILL after the second test leaves those two tests on disk, and a SIGINT ends with a partial report and exit 4
 * (docs/exit-codes.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateReport } from 'stampede-load';
import { planFor } from '../../plan.ts';
import { vertexArSuite } from '../../suite.ts';

const root = new URL('../../../../', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A reduced suite keeps each run short: the tests after these are reported skipped (not selected). */
const ONLY = 'large-file-uploads,concurrent-requests,memory-leak';
/** How many tests the suite defines (the ones not run are listed as skipped). */
const SUITE_TESTS = vertexArSuite({ plan: planFor('baseline', true), target: 'http://127.0.0.1:1' }).tests.length;

interface Summary {
  partial: boolean;
  interrupted: boolean;
  pending: string[];
  results_files: Record<string, string>;
  tests: Array<{ name: string; status: string; reason?: string; metrics: Record<string, unknown> }>;
}

function startSuite(reports: string): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['packages/stampede/bin/stampede.js', 'suite', 'vertex-ar', '--quick', '--only', ONLY, '--report-dir', reports], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

/** The run's summary.json once `done(summary)` holds; polled, with a generous bound for a loaded machine. */
async function waitForSummary(reports: string, done: (s: Summary) => boolean, output: () => string): Promise<{ dir: string; summary: Summary }> {
  for (let i = 0; i < 1200; i++) {
    const [stamp] = existsSync(reports) ? readdirSync(reports) : [];
    const file = stamp ? path.join(reports, stamp, 'summary.json') : '';
    if (file && existsSync(file)) {
      const summary = JSON.parse(readFileSync(file, 'utf8')) as Summary;
      if (done(summary)) return { dir: path.join(reports, stamp!), summary };
    }
    await sleep(100);
  }
  throw new Error(`the suite never got there:\n${output()}`);
}

const ran = (s: Summary) => s.tests.filter((t) => t.status !== 'skipped');

test('SIGKILL after the second test: both tests\' results, their pages and a partial summary are on disk', { timeout: 170_000 }, async () => {
  const reports = mkdtempSync(path.join(tmpdir(), 'suite-kill-'));
  const { child, output, exit } = startSuite(reports);
  try {
    const { dir } = await waitForSummary(reports, (s) => ran(s).length >= 2, output);
    child.kill('SIGKILL');
    await exit;
    // Read after the kill: whatever the suite was writing then, what is on disk must be whole.
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as Summary;
    assert.equal(summary.partial, true);
    assert.equal(summary.interrupted, false, 'a SIGKILL leaves no chance to say so: the summary is the last one written');
    assert.deepEqual(ran(summary).map((t) => t.name), ['large-file-uploads', 'concurrent-requests']);
    assert.ok(summary.pending.includes('memory-leak'));
    for (const t of ran(summary)) {
      assert.equal(typeof t.metrics.requests, 'number', `${t.name} has its figures`);
      for (const key of ['disk_read_bytes', 'disk_write_bytes', 'net_rx_bytes', 'net_tx_bytes', 'net_lo_rx_bytes', 'net_lo_tx_bytes']) {
        assert.equal(typeof t.metrics[key], 'number', `${t.name}: ${key} in summary.json`);
      }
      assert.ok((t.metrics.net_lo_rx_bytes as number) > 0, `${t.name}: its load went over loopback`);
      const file = summary.results_files[t.name]!;
      const report = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      assert.deepEqual(validateReport(report), [], `${file} is the report contract`);
      assert.ok(existsSync(path.join(dir, file.replace(/\.json$/, '.html'))), `${t.name}'s own page`);
    }
    assert.match(readFileSync(path.join(dir, 'report.html'), 'utf8'), /In progress: 2 test\(s\) done/);
  } finally {
    child.kill('SIGKILL');
    rmSync(reports, { recursive: true, force: true });
  }
});

test('SIGINT during a test: exit 4, a partial report that says it was interrupted, the rest skipped', { timeout: 170_000 }, async () => {
  const reports = mkdtempSync(path.join(tmpdir(), 'suite-int-'));
  const { child, output, exit } = startSuite(reports);
  try {
    const { dir } = await waitForSummary(reports, (s) => ran(s).length >= 1, output);
    child.kill('SIGINT');
    const code = await exit;
    assert.equal(code, 4, output());
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as Summary;
    assert.equal(summary.partial, true);
    assert.equal(summary.interrupted, true);
    assert.deepEqual(summary.pending, []);
    assert.equal(summary.tests.length, SUITE_TESTS, 'every test is accounted for');
    assert.equal(summary.tests[0]!.name, 'large-file-uploads');
    assert.notEqual(summary.tests[0]!.status, 'skipped');
    const interrupted = summary.tests.filter((t) => t.reason === 'suite interrupted before this test').map((t) => t.name);
    assert.ok(interrupted.includes('memory-leak'), `skipped after the signal: ${interrupted}`);
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    assert.match(html, /The suite was interrupted/);
    assert.match(output(), /interrupted: partial results/);
    assert.match(output().trimEnd().split('\n').at(-1)!, /^report: .*report\.html$/, 'the report path is printed last');
  } finally {
    child.kill('SIGKILL');
    rmSync(reports, { recursive: true, force: true });
  }
});
