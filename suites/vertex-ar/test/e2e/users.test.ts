/**
 * The Vertex AR user behaviours against the real API (issue #3): every class runs, nothing fails, and the
 * report is the contract's JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateReport } from 'stampede-load';
import { startServer } from 'vertex-ar';

const root = new URL('../../../../', import.meta.url).pathname;

test('suites/vertex-ar/users.ts runs every class against the API with zero failures', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vertex-users-'));
  const admin = { ADMIN_USERNAME: 'loadadmin', ADMIN_PASSWORD: 'load-admin-password' };
  const server = await startServer({ dataDir: path.join(dir, 'data'), host: '127.0.0.1', port: 0, adminUsername: admin.ADMIN_USERNAME, adminPassword: admin.ADMIN_PASSWORD });
  try {
    const json = path.join(dir, 'r.json');
    const args = ['packages/stampede/bin/stampede.js', '-f', 'suites/vertex-ar/users.ts', '--headless', '-u', '24', '-r', '12', '-t', '10s', '--host', server.url, '--json', json, '--only-summary'];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...admin }, stdio: ['ignore', 'ignore', 'inherit'] });
      const kill = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('exit', (c) => {
        clearTimeout(kill);
        resolve(c);
      });
    });
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(code, 0, `errors ${JSON.stringify(report.errors)}, checks ${JSON.stringify(report.checks)}`);
    assert.deepEqual(validateReport(report), []);
    assert.equal(report.totals.failures, 0, JSON.stringify(report.errors));
    assert.deepEqual(report.exceptions, []);
    assert.deepEqual(
      [...report.config.user_classes].sort(),
      ['AdminUser', 'ApiStressTest', 'ReadOnlyUser', 'RegularUser', 'WebsiteUser'],
    );
    const names = new Set(report.endpoints.map((e: { method: string; name: string }) => `${e.method} ${e.name}`));
    for (const expected of ['POST /auth/register', 'POST /auth/login', 'POST /auth/login (admin)', 'GET /health/live', 'GET /portraits']) {
      assert.ok(names.has(expected), `${expected} in ${[...names].join(', ')}`);
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
