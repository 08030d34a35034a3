// Issue #2 (and #8: tuning flags): the vertex-ar CLI — usage errors exit 2 with one line, serve prints /docs and stops on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../bin/vertex-ar.js', import.meta.url).pathname;

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
}

test('bad flags exit 2 with one line on stderr', () => {
  const cases = [
    ['serve', '--bogus'],
    ['serve', '--port', 'abc'],
    ['serve', '--db', 'mysql://localhost/x'],
    ['serve', '--cache', 'memcached://localhost'],
    ['serve', '--storage', 'ftp://bucket'],
    ['serve', '--storage', 's3://B_AD'],
    ['serve', '--workers', '0'],
    ['serve', '--workers', 'many'],
    ['serve', '--preset', 'turbo'],
    ['serve', '--concurrency', '-1'],
    ['serve', '--keep-alive-timeout', 'soon'],
    ['create-admin', '--username', 'root'],
  ];
  for (const args of cases) {
    const r = run(args, { ADMIN_PASSWORD: '' });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.equal(run(['serve'], { DATABASE_URL: 'mysql://x/y' }).status, 2);
  assert.equal(run(['serve'], { PRESET: 'nope' }).status, 2);
});

test('--help documents the environment variables', () => {
  const r = run(['serve', '--help']);
  assert.equal(r.status, 0);
  for (const env of ['PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'CACHE_URL', 'STORAGE_URL', 'WORKERS', 'PRESET', 'CONCURRENCY_LIMIT', 'BACKLOG', 'KEEP_ALIVE_TIMEOUT', 'GRACEFUL_TIMEOUT', 'DB_POOL_SIZE']) assert.match(r.stdout, new RegExp(`env: ${env}`));
});

test('create-admin, then serve prints the docs URL, runs one worker per core by default, answers, and exits 0 on SIGTERM', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vertex-ar-cli-'));
  try {
    const admin = run(['create-admin', '--username', 'root', '--password', 'admin-password', '--data-dir', dataDir]);
    assert.equal(admin.status, 0, admin.stderr);
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /API docs: (http:\/\/\S+)\/docs/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const login = await fetch(`${url}/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: 'admin-password' }),
    });
    assert.equal(login.status, 200);
    const health = await (await fetch(`${url}/health`)).json() as { settings: { workers: number } };
    assert.equal(health.settings.workers, availableParallelism());
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
