// Issue #2: accounts, login, tokens and failed-login limiting.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newUser, snapshot, startTestServer, type TestServer, describeEachDatabase } from '../support/test-server.ts';
import { algNone, hs256 } from '../support/tokens.ts';

const SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

describeEachDatabase('auth', (db) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ jwtSecret: SECRET, loginLimit: { maxFailures: 3, windowMs: 60_000 } }, db);
  });
  after(() => t.close());

  test('register, login, /users/me; the password hash is never returned', async () => {
    const reg = await call(t, 'POST', '/auth/register', { json: { username: 'alice', email: 'alice@example.com', password: 'secret-pass' } });
    assert.equal(reg.status, 201);
    assert.deepEqual(Object.keys(reg.body).sort(), ['created_at', 'email', 'id', 'role', 'username']);
    assert.equal(reg.body.role, 'user');
    const login = await call(t, 'POST', '/auth/login', { json: { username: 'alice', password: 'secret-pass' } });
    assert.equal(login.status, 200);
    assert.equal(login.body.token_type, 'bearer');
    const me = await call(t, 'GET', '/users/me', { token: login.body.access_token });
    assert.equal(me.status, 200);
    assert.equal(me.body.username, 'alice');
    assert.equal(me.body.password_hash, undefined);
  });

  test('duplicate username or email is 409 and adds no row', async () => {
    await newUser(t, 'bob');
    const before = await snapshot(t);
    const dupName = await call(t, 'POST', '/auth/register', { json: { username: 'bob', email: 'other@example.com', password: 'secret-pass' } });
    assert.equal(dupName.status, 409);
    assert.equal(dupName.body.error.code, 'VERTEX_ERR_CONFLICT');
    const dupEmail = await call(t, 'POST', '/auth/register', { json: { username: 'bob2', email: 'BOB@example.com', password: 'secret-pass' } });
    assert.equal(dupEmail.status, 409);
    assert.deepEqual(await snapshot(t), before);
  });

  test('bad bodies are 400/415 with the error envelope and change nothing', async () => {
    const before = await snapshot(t);
    const cases: Array<[number, RequestInit & { path: string }]> = [
      [400, { path: '/auth/register', body: '{"username": "x",', headers: { 'content-type': 'application/json' } }],
      [400, { path: '/auth/register', body: '', headers: { 'content-type': 'application/json' } }],
      [400, { path: '/auth/register', body: JSON.stringify({ username: 'carol' }), headers: { 'content-type': 'application/json' } }],
      [400, { path: '/auth/register', body: JSON.stringify({ username: 'c', email: 'c@example.com', password: 'secret-pass' }), headers: { 'content-type': 'application/json' } }],
      [400, { path: '/auth/register', body: JSON.stringify({ username: 'carol', email: 'not-an-email', password: 'secret-pass' }), headers: { 'content-type': 'application/json' } }],
      [400, { path: '/auth/register', body: JSON.stringify({ username: 'carol', email: 'c@example.com', password: 'short' }), headers: { 'content-type': 'application/json' } }],
      [400, { path: '/auth/register', body: JSON.stringify({ username: '../etc', email: 'c@example.com', password: 'secret-pass' }), headers: { 'content-type': 'application/json' } }],
      [415, { path: '/auth/register', body: 'username=carol', headers: { 'content-type': 'text/plain' } }],
      [400, { path: '/auth/login', body: '[1,2', headers: { 'content-type': 'application/json' } }],
      [413, { path: '/auth/register', body: JSON.stringify({ username: 'carol', email: 'c@example.com', password: 'x'.repeat(2_000_000) }), headers: { 'content-type': 'application/json' } }],
    ];
    for (const [status, { path, ...init }] of cases) {
      const res = await fetch(t.url + path, { method: 'POST', ...init });
      const body = await res.json();
      assert.equal(res.status, status, `${path} ${String(init.body).slice(0, 60)}`);
      assert.equal(typeof body.error.code, 'string');
      assert.equal(typeof body.error.message, 'string');
    }
    assert.deepEqual(await snapshot(t), before);
  });

  test('wrong password and unknown user are both 401', async () => {
    await newUser(t, 'dave');
    const wrong = await call(t, 'POST', '/auth/login', { json: { username: 'dave', password: 'nope-nope' } });
    const unknown = await call(t, 'POST', '/auth/login', { json: { username: 'nobody', password: 'nope-nope' } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.body.error.message, unknown.body.error.message);
  });

  test('forged, alg:none, expired, malformed and missing tokens are 401', async () => {
    const { id } = await newUser(t, 'erin');
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      hs256({ sub: String(id), role: 'admin', iat: now }, 'some-other-secret-of-sufficient-length-000'),
      algNone({ sub: String(id), role: 'admin', iat: now }),
      hs256({ sub: String(id), role: 'user', iat: now - 7200, exp: now - 3600 }, SECRET),
      hs256({ sub: '999999', role: 'user', iat: now }, SECRET),
      'not.a.token',
      '',
    ];
    for (const token of tokens) {
      const res = await call(t, 'GET', '/users/me', { headers: token ? { authorization: `Bearer ${token}` } : {} });
      assert.equal(res.status, 401, token);
      assert.equal(res.body.error.code, 'VERTEX_ERR_UNAUTHORIZED');
    }
    // Control: a token signed with the right secret is accepted.
    const good = await call(t, 'GET', '/users/me', { token: hs256({ sub: String(id), role: 'user', iat: now }, SECRET) });
    assert.equal(good.status, 200);
  });

  test('failed logins are limited per address+username; successful logins never are', async () => {
    await newUser(t, 'frank');
    for (let i = 0; i < 3; i++) {
      assert.equal((await call(t, 'POST', '/auth/login', { json: { username: 'frank', password: 'wrong-pass' } })).status, 401);
    }
    const limited = await call(t, 'POST', '/auth/login', { json: { username: 'frank', password: 'correct-horse' } });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'VERTEX_ERR_RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    // Another username from the same address is unaffected.
    await newUser(t, 'grace');
    for (let i = 0; i < 20; i++) {
      const ok = await call(t, 'POST', '/auth/login', { json: { username: 'grace', password: 'correct-horse' } });
      assert.equal(ok.status, 200);
    }
  });
});
