/**
 * Two tests of `stampede suite vertex-ar`, from one `--quick --only` run: video-scheduling (under load, schedulers
 * switch the AR content of their portraits between two videos with PATCH /videos/:id/schedule, and every read right
 * after a switch shows the video just scheduled) and api-stress (ApiStressTest floods the cheap paths while the
 * AdminUser administrators work through the admin views).
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = new URL('../../../../', import.meta.url).pathname;
const reports = mkdtempSync(path.join(tmpdir(), 'vertex-suite-scenarios-'));
let dir = '';
let summary: { tests: { name: string; status: string; reason?: string; metrics: Record<string, any> }[]; results_files: Record<string, string> };

const results = (name: string) => JSON.parse(readFileSync(path.join(dir, summary.results_files[name]!), 'utf8'));
const endpointNames = (report: { endpoints: { method: string; name: string }[] }) => new Set(report.endpoints.map((e) => `${e.method} ${e.name}`));
const byName = (name: string) => summary.tests.find((t) => t.name === name)!;

before(async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['packages/stampede/bin/stampede.js', 'suite', 'vertex-ar', '--quick', '--only', 'video-scheduling,api-stress', '--report-dir', reports], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const kill = setTimeout(() => child.kill('SIGINT'), 120_000);
    child.on('exit', (code) => {
      clearTimeout(kill);
      if (code === 0) resolve(out);
      else reject(new Error(`exit ${code}\n${out}\n${err}`));
    });
  });
  dir = /^report: (.+)\/report\.html/m.exec(stdout)![1]!;
  summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
}, { timeout: 150_000 });

after(() => rmSync(reports, { recursive: true, force: true }));

test('video-scheduling: the AR content changes to each scheduled video under load, read-your-writes', () => {
  const t = byName('video-scheduling');
  assert.equal(t.status, 'passed', t.reason);
  assert.ok(t.metrics.schedule_changes >= 2, `schedule changes: ${t.metrics.schedule_changes}`);
  assert.ok(t.metrics.ar_switches_checked >= 2, `switches checked: ${t.metrics.ar_switches_checked}`);
  assert.equal(t.metrics.ar_switch_mismatches, 0);
  // The results JSON carries the check itself: every read after a switch showed the video just scheduled.
  const report = results('video-scheduling');
  const check = report.checks.find((c: { name: string }) => c.name === 'AR content switched to the scheduled video');
  assert.ok(check && check.passes >= 2 && check.fails === 0, JSON.stringify(report.checks));
  for (const name of ['PATCH /videos/:id/schedule', 'GET /ar/:publicId']) assert.ok(endpointNames(report).has(name), name);
});

test('api-stress: ApiStressTest and the admin classes under one load, admin views answered', () => {
  const t = byName('api-stress');
  assert.equal(t.status, 'passed', t.reason);
  assert.ok(t.metrics.stress_requests > t.metrics.admin_requests && t.metrics.admin_requests >= 1, JSON.stringify(t.metrics));
  const report = results('api-stress');
  assert.deepEqual([...report.config.user_classes].sort(), ['AdminUser', 'ApiStressTest']);
  for (const name of ['GET /health/live', 'POST /auth/login (admin)', 'GET /admin/users']) assert.ok(endpointNames(report).has(name), name);
});
