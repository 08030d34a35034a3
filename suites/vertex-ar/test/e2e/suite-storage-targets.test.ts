/**
 * The storage comparison against deployments named on the command line: `--target` one instance, and
 * `--option storage-local=URL --option storage-s3=URL` the instance of each backend (here two separately started
 * `vertex-ar serve`, one on local disk, one on S3). Each storage test runs against its named instance, and the
 * comparison puts them side by side; an instance named for the wrong backend fails its test and says so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedApi, startLocalS3, type EmbeddedApi, type LocalS3 } from '../../embedded-api.ts';

const root = new URL('../../../../', import.meta.url).pathname;
const admin = { username: 'storage-admin', password: 'storage admin password' };
let s3: LocalS3;
let local: EmbeddedApi;
let remote: EmbeddedApi;

before(async () => {
  s3 = await startLocalS3();
  [local, remote] = await Promise.all([
    startEmbeddedApi({ admin, env: { PATH: process.env.PATH } }),
    startEmbeddedApi({ admin, env: { PATH: process.env.PATH, ...s3.env }, args: ['--storage', `s3://${s3.bucket}`] }),
  ]);
}, { timeout: 120_000 });

after(async () => {
  await Promise.all([local?.close(), remote?.close()]);
  await s3?.close();
});

async function suite(...options: string[]): Promise<{ code: number | null; summary: any }> {
  const reports = mkdtempSync(path.join(tmpdir(), 'vertex-suite-storage-'));
  try {
    const stdout = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const args = ['packages/stampede/bin/stampede.js', 'suite', 'vertex-ar', '--quick', '--target', local.url, '--only', 'storage-local,storage-s3', '--report-dir', reports, ...options.flatMap((o) => ['--option', o])];
      const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const kill = setTimeout(() => child.kill('SIGINT'), 90_000);
      child.on('exit', (code) => {
        clearTimeout(kill);
        resolve({ code, out });
      });
    });
    const dir = /^report: (.+)\/report\.html/m.exec(stdout.out)![1]!;
    return { code: stdout.code, summary: JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) };
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
}

test('each storage test runs against the instance named for its backend, and the comparison shows both', { timeout: 120_000 }, async () => {
  const { code, summary } = await suite(`storage-local=${local.url}`, `storage-s3=${remote.url}`);
  const byName = Object.fromEntries(summary.tests.map((t: any) => [t.name, t]));
  assert.equal(code, 0, JSON.stringify(summary.tests.map((t: any) => [t.name, t.status, t.reason])));
  assert.equal(byName['storage-local'].status, 'passed', byName['storage-local'].reason);
  assert.equal(byName['storage-s3'].status, 'passed', byName['storage-s3'].reason);
  assert.equal(byName['storage-local'].metrics.instance, local.url);
  assert.equal(byName['storage-s3'].metrics.instance, remote.url);
  assert.ok(byName['storage-s3'].metrics.round_trips >= 1 && byName['storage-s3'].metrics.upload_mb_per_s > 0);
  assert.ok(summary.recommendations.some((r: any) => /^Storage: .*local.* vs .*s3|^Storage: .*s3.* vs .*local/.test(r.text)), JSON.stringify(summary.recommendations));
});

test('an instance named for the wrong backend fails that storage test with the reason', { timeout: 120_000 }, async () => {
  const { code, summary } = await suite(`storage-s3=${local.url}`);
  const s3Test = summary.tests.find((t: any) => t.name === 'storage-s3');
  assert.equal(code, 1);
  assert.equal(s3Test.status, 'failed');
  assert.match(s3Test.reason, /storage-s3 names .* which stores files in local/);
});
