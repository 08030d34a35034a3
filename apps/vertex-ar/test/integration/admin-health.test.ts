// Issue #2: admin views, health probes, docs, landing page, unknown routes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { call, newClient, newUser, startTestServer, type TestServer, describeEachDatabase } from '../support/test-server.ts';

describeEachDatabase('admin and service routes', (db) => {
  let t: TestServer;
  let admin: string;
  let user: string;
  before(async () => {
    t = await startTestServer({ adminUsername: 'root', adminPassword: 'admin-password' }, db);
    const login = await call(t, 'POST', '/auth/login', { json: { username: 'root', password: 'admin-password' } });
    admin = login.body.access_token;
    user = (await newUser(t)).token;
    await newClient(t, user);
  });
  after(() => t.close());

  test('admin lists are paginated envelopes over everyone', async () => {
    const users = await call(t, 'GET', '/admin/users?limit=1', { token: admin });
    assert.equal(users.status, 200);
    assert.equal(users.body.total, 2);
    assert.equal(users.body.items.length, 1);
    assert.equal(users.body.items[0].role, 'admin');
    assert.equal(users.body.items[0].password_hash, undefined);
    const clients = await call(t, 'GET', '/admin/clients', { token: admin });
    assert.equal(clients.body.total, 1);
    const portraits = await call(t, 'GET', '/admin/portraits', { token: admin });
    assert.deepEqual(portraits.body, { items: [], total: 0, limit: 20, offset: 0 });
    const storage = await call(t, 'GET', '/admin/storage', { token: admin });
    assert.deepEqual(storage.body, { backend: 'local', bytes: 0, files: 0, check: 'ok' });
  });

  test('non-admin is 403, no token is 401', async () => {
    for (const path of ['/admin/users', '/admin/clients', '/admin/portraits', '/admin/storage']) {
      assert.equal((await call(t, 'GET', path, { token: user })).status, 403, path);
      assert.equal((await call(t, 'GET', path)).status, 401, path);
    }
  });

  test('the generated JWT secret is kept in the data dir with mode 0600', async () => {
    const s = await stat(join(t.dataDir, 'jwt-secret'));
    assert.equal(s.mode & 0o777, 0o600);
  });

  test('health probes, landing page, docs and OpenAPI', async () => {
    assert.deepEqual((await call(t, 'GET', '/health/live')).body, { status: 'ok' });
    const ready = await call(t, 'GET', '/health/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ok', checks: { database: 'ok', storage: 'ok', cache: 'ok' } });
    // Issue #8: /health also shows the effective settings and which worker answered.
    const health = await call(t, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.deepEqual(health.body.checks, { database: 'ok', storage: 'ok', cache: 'ok' });
    assert.deepEqual(health.body.settings, {
      preset: null, workers: 1, keep_alive_timeout_s: 5, concurrency_limit: 0, backlog: 2048, graceful_shutdown_timeout_s: 30,
      db, cache: 'lru', storage: 'local',
    });
    assert.equal(health.body.worker.pid > 0, true);
    const home = await call(t, 'GET', '/');
    assert.match(home.headers.get('content-type') ?? '', /text\/html/);
    assert.match(home.body, /\/docs/);
    const docs = await call(t, 'GET', '/docs');
    assert.equal(docs.status, 200);
    const spec = await call(t, 'GET', '/openapi.json');
    assert.equal(spec.body.openapi.slice(0, 2), '3.');
    for (const path of ['/auth/register', '/clients/{id}', '/portraits', '/portraits/{id}/videos', '/ar/{publicId}', '/auth/logout', '/files/{key}', '/admin/storage']) {
      assert.ok(spec.body.paths[path], path);
    }
    // The spec is generated from the validating schemas.
    assert.deepEqual(spec.body.paths['/auth/register'].post.requestBody.content['application/json'].schema.required, ['username', 'email', 'password']);
  });

  test('unknown routes and methods are 404 JSON', async () => {
    for (const [method, path] of [['GET', '/nope'], ['POST', '/health/live'], ['GET', '/../../etc/passwd']]) {
      const res = await call(t, method, path);
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'VERTEX_ERR_NOT_FOUND');
    }
  });
});
