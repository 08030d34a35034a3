// Issue 12: the Vertex AR API's security promises, one test each — hashed passwords never returned, expiring
// tokens, role checks on every admin route, no path traversal into or out of storage, SQL only through parameters,
// body/header/upload limits, failed-login limiting per address+username, CORS closed by default.
// Issue 24: all over a real socket on loopback (inject() stripped Host and Transfer-Encoding and let a test claim any
// client address), on SQLite and PostgreSQL; the login limit sees real client addresses (127.0.0.2, 127.0.0.3, …).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { fakeMp4, smallJpeg } from '../support/media.ts';
import { multipartBody, type MultipartPart } from '../support/multipart-body.ts';
import { rawExchange, rawRequest, type RawResponse } from '../support/raw-http.ts';
import { describeEachDatabase, startTestServer, type TestServer } from '../support/test-server.ts';
import { hs256 } from '../support/tokens.ts';

const SECRET = 'security-secret-that-is-long-enough-for-hs256-0123456';
const PASSWORD = 'correct-horse-battery';
const ADMIN_PASSWORD = 'admin-password-1234';
/** Planted next to the storage directory: a traversal that escapes `files/` would serve it. */
const CANARY = 'canary-8f41c2e7-outside-storage';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
  raw: string;
}

interface SendOptions {
  token?: string;
  json?: unknown;
  body?: Buffer;
  headers?: Record<string, string>;
  /** Client address to connect from (a loopback address). */
  from?: string;
}

/** One request on its own connection, the target exactly as given. */
async function send(t: TestServer, method: string, target: string, o: SendOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body = o.body;
  if (o.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = Buffer.from(JSON.stringify(o.json));
  }
  return answer(await rawRequest(t.url, { method, target, headers, body }, { localAddress: o.from }));
}

function answer(res: RawResponse): Answer {
  const raw = res.body.toString('utf8');
  let body: any = raw;
  try {
    body = JSON.parse(raw);
  } catch {
    // Not JSON (landing page, docs, metrics, files).
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), body, raw };
}

/** Rows of a read-only query, on whichever database the server runs. */
async function query(t: TestServer, sql: string): Promise<any[]> {
  if (t.pg) {
    const client = new pg.Client({ connectionString: t.pg.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }
  const db = new Database(join(t.dataDir, 'vertex-ar.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

async function login(t: TestServer, username: string, password: string): Promise<string> {
  const res = await send(t, 'POST', '/auth/login', { json: { username, password } });
  assert.equal(res.status, 200, res.raw);
  return res.body.access_token;
}

async function register(t: TestServer, username: string, password = PASSWORD): Promise<{ token: string; id: number }> {
  const reg = await send(t, 'POST', '/auth/register', { json: { username, email: `${username}@example.com`, password } });
  assert.equal(reg.status, 201, reg.raw);
  return { token: await login(t, username, password), id: reg.body.id };
}

function upload(t: TestServer, target: string, token: string, parts: MultipartPart[]): Promise<Answer> {
  const { body, contentType } = multipartBody(parts);
  return send(t, 'POST', target, { token, body, headers: { 'content-type': contentType } });
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel + '/')));
    else if (!/\.sqlite(-wal|-shm|-journal)?$/.test(entry.name)) out.push(rel);
  }
  return out.sort();
}

describeEachDatabase('security over a real socket', (db) => {
  let t: TestServer;
  let user: { token: string; id: number };
  let admin: string;
  let clientId: number;
  let portrait: { id: number; public_id: string; image_url: string };
  before(async () => {
    t = await startTestServer({ jwtSecret: SECRET, adminUsername: 'root', adminPassword: ADMIN_PASSWORD, defaultMetrics: false, loginLimit: { maxFailures: 3, windowMs: 600_000 } }, db);
    await writeFile(join(t.dataDir, 'canary.txt'), CANARY);
    user = await register(t, 'sam');
    admin = await login(t, 'root', ADMIN_PASSWORD);
    clientId = (await send(t, 'POST', '/clients', { token: user.token, json: { name: 'Ada' } })).body.id;
    const res = await upload(t, '/portraits', user.token, [{ name: 'client_id', data: String(clientId) }, { name: 'image', filename: '../../../escape.jpg', type: 'image/jpeg', data: await smallJpeg() }]);
    assert.equal(res.status, 201, res.raw);
    portrait = res.body;
    const video = await upload(t, `/portraits/${portrait.id}/videos`, user.token, [{ name: 'video', filename: '..%2f..%2fevil.mp4', type: 'video/mp4', data: fakeMp4(2000) }]);
    assert.equal(video.status, 201, video.raw);
  });
  after(() => t?.close());

  test('passwords are stored as salted scrypt hashes and neither password nor hash appears in any response', async () => {
    await register(t, 'twin1', 'same-password-99');
    await register(t, 'twin2', 'same-password-99');
    const rows = (await query(t, 'select username, password_hash from users')) as Array<{ username: string; password_hash: string }>;
    for (const r of rows) assert.match(r.password_hash, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]{20,}\$[A-Za-z0-9+/=]{80,}$/, r.username);
    const twins = rows.filter((r) => r.username.startsWith('twin')).map((r) => r.password_hash);
    assert.notEqual(twins[0], twins[1], 'a random salt per password');
    const secrets = [PASSWORD, ADMIN_PASSWORD, 'same-password-99', ...rows.map((r) => r.password_hash), ...rows.map((r) => r.password_hash.split('$').pop()!)];
    const responses = [
      await send(t, 'POST', '/auth/register', { json: { username: 'fresh', email: 'fresh@example.com', password: PASSWORD } }),
      await send(t, 'POST', '/auth/login', { json: { username: 'fresh', password: PASSWORD } }),
      await send(t, 'POST', '/auth/login', { json: { username: 'fresh', password: 'wrong-password' } }),
    ];
    for (const [token, paths] of [
      [user.token, ['/users/me', '/clients', `/clients/${clientId}`, '/portraits', `/portraits/${portrait.id}`, `/portraits/${portrait.id}/videos`, `/ar/${portrait.public_id}`]],
      [admin, ['/users/me', '/admin/users', '/admin/users?limit=100', '/admin/clients', '/admin/portraits', '/admin/storage', '/health', '/metrics', '/openapi.json']],
    ] as const) {
      for (const path of paths) responses.push(await send(t, 'GET', path, { token }));
    }
    const keys = (v: unknown): string[] => (v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...keys(x)]) : []);
    for (const res of responses) {
      assert.ok(res.status < 500);
      for (const secret of secrets) assert.ok(!res.raw.includes(secret), `a response leaked ${secret.slice(0, 12)}…: ${res.raw.slice(0, 200)}`);
      // The OpenAPI document describes the request field `password`; no other body carries such a key.
      if (!('openapi' in (typeof res.body === 'object' && res.body ? res.body : {}))) {
        assert.deepEqual(keys(res.body).filter((k) => /password/i.test(k)), [], res.raw.slice(0, 200));
      }
    }
  });

  test('every admin route: 401 without a token, 403 for a user (even with a forged role claim), 200 for an admin', async () => {
    const spec = (await send(t, 'GET', '/openapi.json')).body;
    const adminRoutes = Object.entries(spec.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith('/admin'))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => [m.toUpperCase(), path] as const));
    assert.ok(adminRoutes.length >= 4, JSON.stringify(adminRoutes));
    // A token signed with the right secret that claims admin: the role comes from the database, not the token.
    const forged = hs256({ sub: String(user.id), role: 'admin', iat: Math.floor(Date.now() / 1000) }, SECRET);
    for (const [method, path] of adminRoutes) {
      assert.equal((await send(t, method, path)).status, 401, `${method} ${path} without a token`);
      assert.equal((await send(t, method, path, { token: user.token })).status, 403, `${method} ${path} as a user`);
      assert.equal((await send(t, method, path, { token: forged })).status, 403, `${method} ${path} with a forged role claim`);
      assert.equal((await send(t, method, path, { token: admin })).status, 200, `${method} ${path} as admin`);
    }
  });

  test('no path traversal out of storage: keys are server-made, hostile raw paths are 4xx and never serve a file', async () => {
    const files = await listFiles(t.dataDir);
    // Uploaded with filenames '../../../escape.jpg' and '..%2f..%2fevil.mp4': stored under server-made keys only.
    for (const f of files) assert.match(f, /^(canary\.txt|files\/(img|thumb|marker|vid)-[0-9a-f]{32}\.(jpg|png|webp|json|mp4|webm))$/, f);
    const key = portrait.image_url.split('/').pop()!;
    assert.equal((await send(t, 'GET', `/files/${key}`)).status, 200, 'control: a real key is served');
    // Request targets exactly as they go on the wire: raw and encoded dots, slashes and backslashes, double
    // encoding, overlong UTF-8, NUL, absolute form, and the docs' static files (served from disk by @fastify/static).
    const hostile = [
      '/files/../canary.txt', '/files/..%2fcanary.txt', '/files/..%2Fcanary.txt', '/files/%2e%2e%2fcanary.txt', '/files/%2E%2E%2Fcanary.txt',
      '/files/.%2e/canary.txt', '/files/%2e%2e/canary.txt', '/files/..%5ccanary.txt', '/files/..\\canary.txt', '/files/..%c0%afcanary.txt',
      '/files/%252e%252e%252fcanary.txt', '/files/....//canary.txt', '/files/..%00/canary.txt', '//files/..%2fcanary.txt',
      '/files/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd', '/files/%2fetc%2fpasswd', '/files/canary.txt', '/files/vertex-ar.sqlite',
      `/files/${key}%00.jpg`, `/files/${key}%2f..%2f..%2fcanary.txt`, `/files/${key}/../../canary.txt`, `/files/img-${'0'.repeat(32)}.jpg`,
      `/files/IMG-${'a'.repeat(32)}.jpg`, `/files/img-${'a'.repeat(32)}.jpg.json`, `http://evil.example/files/..%2fcanary.txt`,
      '/docs/static/../../canary.txt', '/docs/static/..%2f..%2fpackage.json', '/docs/static/%2e%2e/%2e%2e/package.json',
      '/docs/static/..\\..\\package.json', '/docs/static/%2e%2e%5c%2e%2e%5cpackage.json',
    ];
    for (const target of hostile) {
      const res = await send(t, 'GET', target);
      assert.ok([400, 403, 404].includes(res.status), `${target} → ${res.status}`);
      for (const leak of [CANARY, SECRET, 'SQLite format', 'root:x:0:0', '"version"']) assert.ok(!res.raw.includes(leak), `${target} served a file: ${res.raw.slice(0, 100)}`);
    }
  });

  test('SQL goes only through parameters: injection payloads in every string field and query parameter are stored verbatim or rejected', async () => {
    const payloads = ["' OR '1'='1", "x'); DROP TABLE clients; --", '1; DELETE FROM users', "' UNION SELECT password_hash, 1, 1 FROM users --", '"; UPDATE users SET role=\'admin\' --', '%', '_', '\\', '\u0000'];
    const [{ n: usersBefore }] = await query(t, 'select count(*) as n from users');
    const before = await send(t, 'GET', '/clients?limit=100', { token: user.token });
    for (const p of payloads) {
      // Login: the payload as username and as password is just a failed login.
      const bad = await send(t, 'POST', '/auth/login', { json: { username: p, password: p } });
      assert.ok(bad.status === 401 || bad.status === 400, `login ${JSON.stringify(p)} → ${bad.status}`);
      // Register: rejected by the username/email rules, never a 5xx.
      const reg = await send(t, 'POST', '/auth/register', { json: { username: p, email: `${p}@example.com`, password: p.padEnd(8, 'x') } });
      assert.equal(reg.status, 400, `register ${JSON.stringify(p)} → ${reg.status}`);
      // Client fields: stored and returned exactly as sent; NUL, which PostgreSQL text cannot hold, is a 400 on both.
      const created = await send(t, 'POST', '/clients', { token: user.token, json: { name: p, phone: p, email: p, notes: p } });
      if (p === '\u0000') {
        assert.equal(created.status, 400, created.raw);
        continue;
      }
      assert.equal(created.status, 201, created.raw);
      const read = await send(t, 'GET', `/clients/${created.body.id}`, { token: user.token });
      assert.deepEqual([read.body.name, read.body.phone, read.body.email, read.body.notes], [p, p, p, p]);
      const patched = await send(t, 'PATCH', `/clients/${created.body.id}`, { token: user.token, json: { notes: `${p}${p}` } });
      assert.equal(patched.body.notes, `${p}${p}`);
      // Query parameters: validated as integers, the payload never reaches SQL.
      for (const q of ['limit', 'offset', 'client_id']) {
        const list = await send(t, 'GET', `/portraits?${q}=${encodeURIComponent(p)}`, { token: user.token });
        assert.equal(list.status, 400, `?${q}=${p} → ${list.status}`);
      }
      const path = await send(t, 'GET', `/clients/${encodeURIComponent(p)}`, { token: user.token });
      assert.ok(path.status === 400 || path.status === 404, `/clients/${p} → ${path.status}`);
    }
    // The database is intact: every table present, no row added or role changed by a payload.
    if (!t.pg) assert.deepEqual(await query(t, 'pragma integrity_check'), [{ integrity_check: 'ok' }]);
    for (const table of ['users', 'clients', 'portraits', 'videos']) assert.equal((await query(t, `select count(*) as n from ${table}`)).length, 1);
    assert.equal(Number((await query(t, 'select count(*) as n from users'))[0].n), Number(usersBefore));
    assert.equal(Number((await query(t, "select count(*) as n from users where role = 'admin'"))[0].n), 1);
    const mine = (await send(t, 'GET', '/clients?limit=100', { token: user.token })).body;
    assert.equal(mine.total, before.body.total + payloads.length - 1, 'every payload but NUL stored, and only this user\'s clients, none from a UNION');
    assert.equal(Number((await query(t, `select count(*) as n from clients where user_id = ${user.id}`))[0].n), mine.total);
  });

  test('request body, chunked body, header, upload and multipart limits answer 413/431/4xx and store nothing', async () => {
    const before = await listFiles(t.dataDir);
    const big = await send(t, 'POST', '/clients', { token: user.token, json: { name: 'x', notes: 'n'.repeat(1_100_000) } });
    assert.equal(big.status, 413, big.raw.slice(0, 200));
    assert.equal(big.body.error.code, 'VERTEX_ERR_TOO_LARGE');
    // The same without a Content-Length: counted as the chunks arrive.
    const json = Buffer.from(JSON.stringify({ name: 'x', notes: 'n'.repeat(1_100_000) }));
    const chunks = [json.subarray(0, 600_000), json.subarray(600_000)].map((c) => Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]));
    const chunked = await rawRequest(t.url, { method: 'POST', target: '/clients', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: Buffer.concat([...chunks, Buffer.from('0\r\n\r\n')]) });
    assert.equal(chunked.status, 413);
    // Heads over Node's 16 KiB limit: one huge header, many small ones, a huge target.
    for (const head of [
      `GET /health/live HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
      `GET /health/live HTTP/1.1\r\nHost: a\r\n${Array.from({ length: 3000 }, (_, i) => `x-${i}: 1\r\n`).join('')}\r\n`,
      `GET /health/live?${'q'.repeat(20_000)} HTTP/1.1\r\nHost: a\r\n\r\n`,
    ]) {
      assert.deepEqual((await rawExchange(t.url, head)).responses.map((r) => r.status), [431], head.slice(0, 40));
    }
    const two = await upload(t, '/portraits', user.token, [
      { name: 'client_id', data: String(clientId) },
      { name: 'image', filename: 'a.jpg', type: 'image/jpeg', data: await smallJpeg() },
      { name: 'image', filename: 'b.jpg', type: 'image/jpeg', data: await smallJpeg() },
    ]);
    assert.ok(two.status >= 400 && two.status < 500, `two files → ${two.status}`);
    const fields = await upload(t, '/portraits', user.token, Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, data: 'x' })));
    assert.ok(fields.status >= 400 && fields.status < 500, `40 fields → ${fields.status}`);
    assert.deepEqual(await listFiles(t.dataDir), before);
    assert.equal((await send(t, 'GET', '/health/live')).status, 200, 'the server goes on');
  });

  test('failed logins are limited per real client address and username; successes never count; forwarding headers cannot dodge it', async () => {
    await register(t, 'lena');
    const attempt = (from: string, username: string, password: string, headers: Record<string, string> = {}) => send(t, 'POST', '/auth/login', { from, json: { username, password }, headers });
    // Successes, many, from one address: never limited (load tests log in many users from one address).
    for (let i = 0; i < 15; i++) assert.equal((await attempt('127.0.0.2', 'lena', PASSWORD)).status, 200);
    // trustProxy is off (src/app.ts): each failure below claims to come from elsewhere, and all count for 127.0.0.2.
    const spoofs: Array<Record<string, string>> = [{ 'x-forwarded-for': '203.0.113.1' }, { 'x-real-ip': '203.0.113.2' }, { forwarded: 'for=203.0.113.3' }];
    for (const headers of spoofs) assert.equal((await attempt('127.0.0.2', 'lena', 'wrong-password', headers)).status, 401);
    for (const headers of [{ 'x-forwarded-for': '198.51.100.7' }, { 'x-forwarded-for': '127.0.0.3' }, {}] as Array<Record<string, string>>) {
      const limited = await attempt('127.0.0.2', 'lena', PASSWORD, headers);
      assert.equal(limited.status, 429, `a forwarding header is not a new address: ${JSON.stringify(headers)}`);
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.equal(limited.body.error.code, 'VERTEX_ERR_RATE_LIMITED');
    }
    // Case variants of the name share the counter.
    assert.equal((await attempt('127.0.0.2', 'LENA', PASSWORD)).status, 429);
    // The same username from another real address, and another username from the limited one, are not limited.
    assert.equal((await attempt('127.0.0.3', 'lena', PASSWORD)).status, 200);
    assert.equal((await attempt('127.0.0.2', 'sam', PASSWORD)).status, 200);
    // Failures sent from 127.0.0.4 claiming to be 127.0.0.5 are counted for 127.0.0.4, never against 127.0.0.5.
    for (let i = 0; i < 3; i++) assert.equal((await attempt('127.0.0.4', 'lena', 'wrong-password', { 'x-forwarded-for': '127.0.0.5' })).status, 401);
    assert.equal((await attempt('127.0.0.5', 'lena', PASSWORD)).status, 200);
    assert.equal((await attempt('127.0.0.4', 'lena', PASSWORD)).status, 429);
  });

  test('CORS is closed by default: no Access-Control-Allow-Origin on any response, preflight refused', async () => {
    const origin = 'https://evil.example';
    const routes: Array<[string, string, string?]> = [
      ['GET', '/'], ['GET', '/health'], ['GET', '/health/live'], ['GET', '/openapi.json'], ['GET', '/metrics'], ['GET', '/docs'],
      ['POST', '/auth/login'], ['GET', '/users/me', user.token], ['GET', '/clients', user.token], ['GET', `/ar/${portrait.public_id}`],
      ['GET', portrait.image_url.replace(/^https?:\/\/[^/]+/, '')], ['GET', '/admin/users', admin], ['GET', '/nope'],
    ];
    for (const [method, path, token] of routes) {
      const res = await send(t, method, path, { token, headers: { origin }, json: method === 'POST' ? { username: 'sam', password: PASSWORD } : undefined });
      assert.ok(res.status < 400 || path === '/nope', `${method} ${path} → ${res.status}`);
      const cors = Object.keys(res.headers).filter((k) => k.startsWith('access-control-'));
      assert.deepEqual(cors, [], `${method} ${path} answered ${cors.join(', ')}`);
      const preflight = await send(t, 'OPTIONS', path, { headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
      assert.ok(preflight.status >= 400, `preflight ${path} → ${preflight.status}`);
      assert.deepEqual(Object.keys(preflight.headers).filter((k) => k.startsWith('access-control-')), [], `preflight ${path}`);
    }
  });
});

describeEachDatabase('token lifetime over a real socket', (db) => {
  test('tokens expire: a token works until its lifetime ends, then it is 401', async () => {
    const t = await startTestServer({ jwtSecret: SECRET, tokenTtlSeconds: 1, defaultMetrics: false }, db);
    try {
      const { id, token } = await register(t, 'brief');
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
      assert.equal(claims.exp - claims.iat, 1);
      const now = Math.floor(Date.now() / 1000);
      // Validity is decided by `exp` alone: a signed token with an hour left works, one a second past is 401.
      assert.equal((await send(t, 'GET', '/users/me', { token: hs256({ sub: String(id), role: 'user', iat: now, exp: now + 3600 }, SECRET) })).status, 200);
      const stale = await send(t, 'GET', '/users/me', { token: hs256({ sub: String(id), role: 'user', iat: now - 60, exp: now - 1 }, SECRET) });
      assert.equal(stale.status, 401);
      assert.equal(stale.body.error.code, 'VERTEX_ERR_UNAUTHORIZED');
      // The issued token turns 401 by itself, and never before its `exp` (polled, bounded in count and time).
      let expired: Answer | undefined;
      for (let i = 0; i < 100 && !expired; i++) {
        const res = await send(t, 'GET', '/users/me', { token });
        if (res.status === 401) expired = res;
        else assert.equal(res.status, 200);
        if (!expired) await sleep(200);
      }
      assert.ok(expired, 'the token was still accepted 20 s after its 1 s lifetime');
      assert.ok(Date.now() >= claims.exp * 1000, 'refused before its exp');
      assert.equal(expired.body.error.code, 'VERTEX_ERR_UNAUTHORIZED');
    } finally {
      await t.close();
    }
  });
});
