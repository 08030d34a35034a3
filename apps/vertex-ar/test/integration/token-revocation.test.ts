// Issue 19 (items 4 and 5): tokens carry their user's version; a logout or a new ADMIN_PASSWORD bumps it and every
// older token is refused, while a new login works. The start-up bootstrap never promotes a registered account.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../src/index.ts';
import { call, describeEachDatabase, newUser, startTestServer, type TestServer } from '../support/test-server.ts';

const SECRET = 'token-revocation-secret-long-enough-for-hs256-0123';
const ADMIN_PASSWORD = 'first-admin-password';

describeEachDatabase('token revocation', (db) => {
  let t: TestServer;
  before(async () => {
    // The default in-process cache: a revocation must also drop the cached user row the auth check reads.
    t = await startTestServer({ jwtSecret: SECRET, adminUsername: 'root', adminPassword: ADMIN_PASSWORD }, db);
  });
  after(() => t.close());

  /** A second server on the same database and data directory (a restart, or another process). */
  const restart = (adminPassword: string, adminUsername = 'root'): Promise<RunningServer> =>
    startServer({ host: '127.0.0.1', port: 0, logger: false, jwtSecret: SECRET, dataDir: t.dataDir, postgresUrl: t.pg?.url, adminUsername, adminPassword });
  const login = async (url: string, username: string, password: string) => {
    const res = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    return { status: res.status, token: res.status === 200 ? ((await res.json()) as { access_token: string }).access_token : '' };
  };
  const statusOf = async (url: string, path: string, token: string) =>
    (await fetch(url + path, { headers: { authorization: `Bearer ${token}` } })).status;

  test('POST /auth/logout is 204 and revokes every token of the caller; a new login works; others are untouched', async () => {
    const user = await newUser(t);
    const other = await newUser(t);
    const second = (await login(t.url, user.username, 'correct-horse')).token;
    // Warm the cached user row first: the bump has to reach it.
    assert.equal((await call(t, 'GET', '/users/me', { token: user.token })).status, 200);
    assert.equal((await call(t, 'GET', '/clients', { token: second })).status, 200);

    const out = await call(t, 'POST', '/auth/logout', { token: user.token });
    assert.equal(out.status, 204);
    assert.equal(out.bytes.length, 0);
    for (const token of [user.token, second]) {
      for (const path of ['/users/me', '/clients']) {
        const res = await call(t, 'GET', path, { token });
        assert.equal(res.status, 401, path);
        assert.equal(res.body.error.code, 'VERTEX_ERR_UNAUTHORIZED');
      }
    }
    assert.equal((await call(t, 'POST', '/auth/logout', { token: user.token })).status, 401, 'a revoked token cannot log out again');
    assert.equal((await call(t, 'POST', '/auth/logout')).status, 401, 'no token');
    assert.equal((await call(t, 'GET', '/users/me', { token: other.token })).status, 200, "another user's token stays valid");

    const fresh = await login(t.url, user.username, 'correct-horse');
    assert.equal(fresh.status, 200);
    assert.equal((await call(t, 'GET', '/users/me', { token: fresh.token })).status, 200);
  });

  test('a new ADMIN_PASSWORD at start-up revokes the admin tokens; a restart with the same one does not', async () => {
    const old = await login(t.url, 'root', ADMIN_PASSWORD);
    assert.equal(old.status, 200);
    const same = await restart(ADMIN_PASSWORD);
    try {
      assert.equal(await statusOf(same.url, '/admin/users', old.token), 200, 'the same password is not a change');
    } finally {
      await same.close();
    }
    const changed = await restart('second-admin-password');
    try {
      assert.equal(await statusOf(changed.url, '/admin/users', old.token), 401);
      assert.equal(await statusOf(changed.url, '/users/me', old.token), 401);
      assert.equal((await login(changed.url, 'root', ADMIN_PASSWORD)).status, 401, 'the old password is gone');
      const fresh = await login(changed.url, 'root', 'second-admin-password');
      assert.equal(fresh.status, 200);
      assert.equal(await statusOf(changed.url, '/admin/users', fresh.token), 200);
    } finally {
      await changed.close();
    }
  });

  test('ADMIN_USERNAME naming a registered account stops the start with one line and promotes nothing', async () => {
    const squatter = await newUser(t);
    await assert.rejects(restart('bootstrap-password', squatter.username), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'VERTEX_ERR_CONFLICT');
      assert.match(err.message, /exists and is not an admin; refusing to promote it at start-up: run `vertex-ar create-admin --username \S+ --promote`/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
    const me = await call(t, 'GET', '/users/me', { token: squatter.token });
    assert.equal(me.status, 200, 'its token still works: nothing was bumped');
    assert.equal(me.body.role, 'user');
    assert.equal((await call(t, 'GET', '/admin/users', { token: squatter.token })).status, 403);
    assert.equal((await login(t.url, squatter.username, 'bootstrap-password')).status, 401, 'its password is unchanged');
    assert.equal((await login(t.url, squatter.username, 'correct-horse')).status, 200);
  });
});
