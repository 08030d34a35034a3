// Issue 19 (item 4): `vertex-ar create-admin` on an existing account. A non-admin is refused without --promote (exit 2,
// one line, nothing changed); --promote makes it an admin and revokes its tokens; a new password for an admin revokes
// its tokens too (a password change), the same password changes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { call, describeEachDatabase, newUser, startTestServer, type TestServer } from '../support/test-server.ts';

const BIN = new URL('../../bin/vertex-ar.js', import.meta.url).pathname;

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `vertex-ar create-admin` against the test server's database (asynchronously: the server keeps answering). */
function createAdmin(t: TestServer, args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: t.pg ? t.pg.url : `sqlite:${join(t.dataDir, 'vertex-ar.sqlite')}` };
  delete env.ADMIN_USERNAME;
  delete env.ADMIN_PASSWORD;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'create-admin', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The stored account row, read straight from the database. */
async function userRow(t: TestServer, username: string): Promise<Record<string, unknown>> {
  const q = 'select id, username, email, password_hash, role, token_version from users where username = ';
  if (t.pg) {
    const client = new pg.Client({ connectionString: t.pg.url });
    await client.connect();
    try {
      return (await client.query(`${q}$1`, [username])).rows[0];
    } finally {
      await client.end();
    }
  }
  const db = new Database(join(t.dataDir, 'vertex-ar.sqlite'), { readonly: true });
  try {
    return db.prepare(`${q}?`).get(username) as Record<string, unknown>;
  } finally {
    db.close();
  }
}

describeEachDatabase('create-admin on an existing account', (db) => {
  let t: TestServer;
  before(async () => {
    // The CLI is another process: without a shared cache a running server sees its change after the cache TTL
    // (docs/api.md). No cache here, so each request reads what the CLI wrote.
    t = await startTestServer({ cacheUrl: 'none' }, db);
  });
  after(() => t.close());

  const login = (username: string, password: string) => call(t, 'POST', '/auth/login', { json: { username, password } });

  test('a registered non-admin without --promote: exit 2, one line saying so, nothing changed', async () => {
    const user = await newUser(t);
    const before = await userRow(t, user.username);
    const r = await createAdmin(t, ['--username', user.username, '--password', 'admin-password-1']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /exists and is not an admin; pass --promote/);
    assert.equal(r.stdout, '');
    assert.deepEqual(await userRow(t, user.username), before);
    assert.equal(before.role, 'user');
    assert.equal((await call(t, 'GET', '/users/me', { token: user.token })).status, 200, 'its token is not revoked');
    assert.equal((await call(t, 'GET', '/admin/users', { token: user.token })).status, 403);
    assert.equal((await login(user.username, 'admin-password-1')).status, 401);
  });

  test('--promote makes it an admin with the new password; its old token is 401, a new login passes /admin', async () => {
    const user = await newUser(t);
    assert.equal((await call(t, 'GET', '/users/me', { token: user.token })).status, 200);
    const r = await createAdmin(t, ['--username', user.username, '--password', 'admin-password-2', '--promote']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /promoted/);
    for (const path of ['/users/me', '/admin/users']) {
      assert.equal((await call(t, 'GET', path, { token: user.token })).status, 401, `old token on ${path}`);
    }
    assert.equal((await login(user.username, 'correct-horse')).status, 401, 'the old password is replaced');
    const fresh = await login(user.username, 'admin-password-2');
    assert.equal(fresh.status, 200);
    assert.equal((await call(t, 'GET', '/admin/users', { token: fresh.body.access_token })).status, 200);
    assert.equal((await userRow(t, user.username)).role, 'admin');
  });

  test('a case variant of an existing name (`Chief2` beside `chief2`): exit 2, one line, no account added', async () => {
    assert.equal((await createAdmin(t, ['--username', 'chief2', '--password', 'chief-password-1'])).status, 0);
    const r = await createAdmin(t, ['--username', 'Chief2', '--password', 'chief-password-1']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /in another case exists/);
    assert.equal((await login('Chief2', 'chief-password-1')).status, 401);
  });

  test('an admin: the same password changes nothing, a new one revokes its tokens', async () => {
    assert.equal((await createAdmin(t, ['--username', 'chief', '--password', 'chief-password-1'])).status, 0);
    const first = await login('chief', 'chief-password-1');
    assert.equal(first.status, 200);
    const same = await createAdmin(t, ['--username', 'chief', '--password', 'chief-password-1']);
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stdout, /unchanged/);
    assert.equal((await call(t, 'GET', '/admin/users', { token: first.body.access_token })).status, 200);
    const changed = await createAdmin(t, ['--username', 'chief', '--password', 'chief-password-2']);
    assert.equal(changed.status, 0, changed.stderr);
    assert.match(changed.stdout, /updated/);
    assert.equal((await call(t, 'GET', '/admin/users', { token: first.body.access_token })).status, 401);
    const fresh = await login('chief', 'chief-password-2');
    assert.equal(fresh.status, 200);
    assert.equal((await call(t, 'GET', '/admin/users', { token: fresh.body.access_token })).status, 200);
  });
});
