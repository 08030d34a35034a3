/**
 * Issue 6: `stampede suite vertex-ar --quick` against the embedded API it starts itself. summary.json has every test
 * with its figures and verdict, each results JSON is the report contract with the monitor sampling every
 * 0.5 s ± 0.1 s, and the recommendations carry their evidence. No timing thresholds: the verdicts are whatever the
 * machine gave; the exit code must agree with them (1 exactly when a test failed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateReport } from 'stampede-load';

const root = new URL('../../../../', import.meta.url).pathname;
const TESTS = [
  'large-file-uploads', 'concurrent-requests', 'memory-leak', 'database-performance', 'capacity',
  'portrait-load', 'storage-local', 'storage-s3', 'basic-user-operations', 'basic-admin-operations',
];

function runCli(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['packages/stampede/bin/stampede.js', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const kill = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Gaps between consecutive monitor samples, s. */
function gaps(samples: { t: number }[]): number[] {
  return samples.slice(1).map((s, i) => s.t - samples[i]!.t);
}

test('suite vertex-ar --quick: every test with figures and a verdict, 2 Hz monitor, recommendations with evidence', { timeout: 170_000 }, async () => {
  const reports = mkdtempSync(path.join(tmpdir(), 'vertex-suite-'));
  try {
    const { code, stdout, stderr } = await runCli(['suite', 'vertex-ar', '--quick', '--report-dir', reports], 150_000);
    const dirLine = /^report: (.+)\/report\.html/m.exec(stdout);
    assert.ok(dirLine, `report path printed\n${stdout}\n${stderr}`);
    const dir = dirLine[1]!;
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    assert.equal(summary.suite, 'vertex-ar');
    assert.equal(summary.quick, true);
    assert.deepEqual(summary.tests.map((t: { name: string }) => t.name), TESTS);
    const failed = summary.tests.filter((t: { status: string }) => t.status === 'failed');
    assert.equal(code, failed.length ? 1 : 0, `exit code agrees with the verdicts: ${JSON.stringify(failed.map((t: any) => [t.name, t.reason]))}`);
    const allGaps: number[] = [];
    for (const t of summary.tests) {
      assert.ok(['passed', 'failed', 'skipped', 'inconclusive'].includes(t.status), `${t.name}: ${t.status}`);
      assert.equal(t.passed, t.status === 'passed');
      if (t.status !== 'passed') assert.ok(t.reason, `${t.name} says why it is ${t.status}`);
      if (t.status === 'skipped') continue;
      assert.equal(typeof t.metrics.requests, 'number', `${t.name} has load figures`);
      assert.equal(typeof t.metrics.p95_ms, 'number', `${t.name} has p95`);
      assert.equal(typeof t.metrics.target_rss_max_bytes, 'number', `${t.name} has the target's RSS (embedded API in its own process)`);
      const report = JSON.parse(readFileSync(path.join(dir, summary.results_files[t.name]), 'utf8'));
      assert.deepEqual(validateReport(report), [], `${t.name} results JSON is the report contract`);
      const g = gaps(report.monitor.samples);
      assert.ok(g.length >= 3, `${t.name}: monitor sampled (${g.length + 1} samples)`);
      allGaps.push(...g);
    }
    // Sampling at 0.5 s ± 0.1 s; a tick delayed past 0.1 s moves the grid (docs/monitor.md), so allow 1 in 20 —
    // pooled over the whole suite: a test with 3 gaps cannot show a 95 % rate on its own.
    const within = allGaps.filter((x) => Math.abs(x - 0.5) <= 0.1 + 1e-9).length;
    assert.ok(within >= Math.ceil(allGaps.length * 0.95), `${within}/${allGaps.length} gaps within 0.5 ± 0.1 s: ${allGaps.map((x) => x.toFixed(2)).join(' ')}`);
    const byName = Object.fromEntries(summary.tests.map((t: any) => [t.name, t]));
    // 5 s of load cannot give the leak verdict (5 s warm-up + 10 s fit): inconclusive, and it says why.
    assert.equal(byName['memory-leak'].status, 'inconclusive');
    assert.match(byName['memory-leak'].reason, /warm-up|too little data/);
    assert.equal(typeof byName['large-file-uploads'].metrics.image_upload_mb_per_s, 'number');
    assert.equal(typeof byName['database-performance'].metrics.direct_insert_per_s, 'number');
    assert.equal(typeof byName.capacity.metrics.knee_rps, 'number');
    assert.equal(typeof byName.capacity.metrics.setting_workers, 'number', 'capacity reports the settings in force');
    assert.ok(['number', 'object'].includes(typeof byName['portrait-load'].metrics.cache_hit_ratio));
    assert.ok(summary.recommendations.length >= 1, 'at least one recommendation');
    for (const r of summary.recommendations) {
      assert.equal(typeof r.text, 'string');
      assert.ok(r.evidence && Object.keys(r.evidence).length > 0, `evidence for: ${r.text}`);
    }
    if (byName['storage-s3'].status === 'passed' && byName['storage-local'].status === 'passed') {
      assert.ok(summary.recommendations.some((r: any) => /^Storage: /.test(r.text)), 'the storage comparison');
    }
    assert.ok(existsSync(path.join(dir, 'report.html')));
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
});
