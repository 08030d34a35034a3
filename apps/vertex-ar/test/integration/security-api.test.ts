// Issue 12: the Vertex AR API's security promises, one test each — hashed passwords never returned, expiring
// tokens, role checks on every admin route, no path traversal into or out of storage, SQL only through parameters,
// body/header/upload limits, failed-login limiting per address+username, CORS closed by default.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp, type AppOptions } from '../../src/app.ts';
import { startServer } from '../../src/index.ts';
import { fakeMp4, smallJpeg } from '../support/media.ts';
import { hs256 } from '../support/tokens.ts';

const SECRET = 'security-secret-that-is-long-enough-for-hs256-0123456';
const PASSWORD = 'correct-horse-battery';
const ADMIN_PASSWORD = 'admin-password-1234';

interface Harness {
  app: FastifyInstance;
  dataDir: string;
  inject(method: string, url: string, options?: { token?: string; json?: unknown; headers?: Record<string, string>; payload?: InjectOptions['payload']; remoteAddress?: string }): Promise<{ status: number; headers: Record<string, unknown>; body: any; raw: string }>;
  db(): Database.Database;
  close(): Promise<void>;
}

async function harness(options: Partial<AppOptions> = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vertex-ar-security-'));
  const app = await buildApp({ dataDir, jwtSecret: SECRET, adminUsername: 'root', adminPassword: ADMIN_PASSWORD, defaultMetrics: false, ...options });
  let db: Database.Database | undefined;
  return {
    app,
    dataDir,
    async inject(method, url, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let payload = o.payload;
      if (o.json !== undefined) {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(o.json);
      }
      const res = await app.inject({ method: method as 'GET', url, headers, payload, remoteAddress: o.remoteAddress });
      let body: any = res.body;
      try {
        body = JSON.parse(res.body);
      } catch {
        // Not JSON (landing page, docs, metrics, files).
      }
      return { status: res.statusCode, headers: res.headers, body, raw: res.body };
    },
    db: () => (db ??= new Database(join(dataDir, 'vertex-ar.sqlite'), { readonly: true, fileMustExist: true })),
    async close() {
      db?.close();
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function login(h: Harness, username: string, password: string, remoteAddress?: string): Promise<string> {
  const res = await h.inject('POST', '/auth/login', { json: { username, password }, remoteAddress });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.access_token;
}

async function register(h: Harness, username: string, password = PASSWORD): Promise<{ token: string; id: number }> {
  const reg = await h.inject('POST', '/auth/register', { json: { username, email: `${username}@example.com`, password } });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  return { token: await login(h, username, password), id: reg.body.id };
}

function multipart(parts: Array<{ name: string; filename?: string; type?: string; data: Buffer | string }>): { payload: Buffer; headers: Record<string, string> } {
  const boundary = 'security-boundary';
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const filename = p.filename === undefined ? '' : `; filename="${p.filename}"`;
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${p.name}"${filename}\r\n${p.type ? `content-type: ${p.type}\r\n` : ''}\r\n`), Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
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

describe('security', () => {
  let h: Harness;
  let user: { token: string; id: number };
  let admin: string;
  let clientId: number;
  let portrait: { id: number; public_id: string; image_url: string };
  before(async () => {
    h = await harness({ loginLimit: { maxFailures: 3, windowMs: 60_000 } });
    user = await register(h, 'sam');
    admin = await login(h, 'root', ADMIN_PASSWORD);
    clientId = (await h.inject('POST', '/clients', { token: user.token, json: { name: 'Ada' } })).body.id;
    const form = multipart([{ name: 'client_id', data: String(clientId) }, { name: 'image', filename: '../../../escape.jpg', type: 'image/jpeg', data: await smallJpeg() }]);
    const res = await h.inject('POST', '/portraits', { token: user.token, ...form });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    portrait = res.body;
    const video = multipart([{ name: 'video', filename: '..%2f..%2fevil.mp4', type: 'video/mp4', data: fakeMp4(2000) }]);
    assert.equal((await h.inject('POST', `/portraits/${portrait.id}/videos`, { token: user.token, ...video })).status, 201);
  });
  after(() => h.close());

  test('passwords are stored as salted scrypt hashes and neither password nor hash appears in any response', async () => {
    await register(h, 'twin1', 'same-password-99');
    await register(h, 'twin2', 'same-password-99');
    const rows = h.db().prepare('select username, password_hash from users').all() as Array<{ username: string; password_hash: string }>;
    for (const r of rows) assert.match(r.password_hash, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]{20,}\$[A-Za-z0-9+/=]{80,}$/, r.username);
    const twins = rows.filter((r) => r.username.startsWith('twin')).map((r) => r.password_hash);
    assert.notEqual(twins[0], twins[1], 'a random salt per password');
    const secrets = [PASSWORD, ADMIN_PASSWORD, 'same-password-99', ...rows.map((r) => r.password_hash), ...rows.map((r) => r.password_hash.split('$').pop()!)];
    const responses = [
      await h.inject('POST', '/auth/register', { json: { username: 'fresh', email: 'fresh@example.com', password: PASSWORD } }),
      await h.inject('POST', '/auth/login', { json: { username: 'fresh', password: PASSWORD } }),
      await h.inject('POST', '/auth/login', { json: { username: 'fresh', password: 'wrong-password' } }),
    ];
    for (const [token, paths] of [
      [user.token, ['/users/me', '/clients', `/clients/${clientId}`, '/portraits', `/portraits/${portrait.id}`, `/portraits/${portrait.id}/videos`, `/ar/${portrait.public_id}`]],
      [admin, ['/users/me', '/admin/users', '/admin/users?limit=100', '/admin/clients', '/admin/portraits', '/admin/storage', '/health', '/metrics', '/openapi.json']],
    ] as const) {
      for (const path of paths) responses.push(await h.inject('GET', path, { token }));
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
    const spec = (await h.inject('GET', '/openapi.json')).body;
    const adminRoutes = Object.entries(spec.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith('/admin'))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => [m.toUpperCase(), path] as const));
    assert.ok(adminRoutes.length >= 4, JSON.stringify(adminRoutes));
    // A token signed with the right secret that claims admin: the role comes from the database, not the token.
    const forged = hs256({ sub: String(user.id), role: 'admin', iat: Math.floor(Date.now() / 1000) }, SECRET);
    for (const [method, path] of adminRoutes) {
      assert.equal((await h.inject(method, path)).status, 401, `${method} ${path} without a token`);
      assert.equal((await h.inject(method, path, { token: user.token })).status, 403, `${method} ${path} as a user`);
      assert.equal((await h.inject(method, path, { token: forged })).status, 403, `${method} ${path} with a forged role claim`);
      assert.equal((await h.inject(method, path, { token: admin })).status, 200, `${method} ${path} as admin`);
    }
  });

  test('no path traversal out of storage: keys are server-made, hostile keys are 400/404 and never serve a file', async () => {
    const files = await listFiles(h.dataDir);
    // Uploaded with filenames '../../../escape.jpg' and '..%2f..%2fevil.mp4': stored under server-made keys only.
    for (const f of files) assert.match(f, /^(jwt-secret|files\/(img|thumb|marker|vid)-[0-9a-f]{32}\.(jpg|png|webp|json|mp4|webm))$/, f);
    assert.ok(!files.some((f) => /escape|evil/.test(f)));
    const key = portrait.image_url.split('/').pop()!;
    assert.equal((await h.inject('GET', `/files/${key}`)).status, 200, 'control: a real key is served');
    const hostile = [
      '../jwt-secret', '..%2fjwt-secret', '..%2Fjwt-secret', '%2e%2e%2fjwt-secret', '..%5cjwt-secret', '....//jwt-secret', '%252e%252e%252fjwt-secret',
      '..%2f..%2f..%2f..%2fetc%2fpasswd', '%2fetc%2fpasswd', 'jwt-secret', 'vertex-ar.sqlite', `${key}%00.jpg`, `${key}%2f..%2f..%2fjwt-secret`,
      `img-${'0'.repeat(32)}.jpg`, `IMG-${'a'.repeat(32)}.jpg`, `img-${'a'.repeat(32)}.jpg.json`,
    ];
    for (const k of hostile) {
      const res = await h.inject('GET', `/files/${k}`);
      assert.ok(res.status === 400 || res.status === 404, `/files/${k} → ${res.status}`);
      assert.ok(!res.raw.includes(SECRET) && !res.raw.includes('SQLite format'), `/files/${k} served a file`);
    }
  });

  test('SQL goes only through parameters: injection payloads in every string field and query parameter are stored verbatim or rejected', async () => {
    const payloads = ["' OR '1'='1", "x'); DROP TABLE clients; --", '1; DELETE FROM users', "' UNION SELECT password_hash, 1, 1 FROM users --", '"; UPDATE users SET role=\'admin\' --', '%', '_', '\\', '\u0000'];
    const before = h.db().prepare('select count(*) as n from users').get() as { n: number };
    for (const p of payloads) {
      // Login: the payload as username and as password is just a failed login (or a limited one).
      const bad = await h.inject('POST', '/auth/login', { json: { username: p, password: p }, remoteAddress: `10.9.${payloads.indexOf(p)}.1` });
      assert.ok(bad.status === 401 || bad.status === 400, `login ${JSON.stringify(p)} → ${bad.status}`);
      // Register: rejected by the username/email rules, never a 5xx.
      const reg = await h.inject('POST', '/auth/register', { json: { username: p, email: `${p}@example.com`, password: p.padEnd(8, 'x') } });
      assert.equal(reg.status, 400, `register ${JSON.stringify(p)} → ${reg.status}`);
      // Client fields: stored and returned exactly as sent.
      const created = await h.inject('POST', '/clients', { token: user.token, json: { name: p, phone: p, email: p, notes: p } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const read = await h.inject('GET', `/clients/${created.body.id}`, { token: user.token });
      assert.deepEqual([read.body.name, read.body.phone, read.body.email, read.body.notes], [p, p, p, p]);
      const patched = await h.inject('PATCH', `/clients/${created.body.id}`, { token: user.token, json: { notes: `${p}${p}` } });
      assert.equal(patched.body.notes, `${p}${p}`);
      // Query parameters: validated as integers, the payload never reaches SQL.
      for (const q of ['limit', 'offset', 'client_id']) {
        const list = await h.inject('GET', `/portraits?${q}=${encodeURIComponent(p)}`, { token: user.token });
        assert.equal(list.status, 400, `?${q}=${p} → ${list.status}`);
      }
      const path = await h.inject('GET', `/clients/${encodeURIComponent(p)}`, { token: user.token });
      assert.ok(path.status === 400 || path.status === 404, `/clients/${p} → ${path.status}`);
    }
    // The database is intact: integrity check, every table present, no row added or role changed by a payload.
    const db = h.db();
    assert.equal((db.prepare('pragma integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    for (const table of ['users', 'clients', 'portraits', 'videos']) assert.ok(db.prepare('select count(*) as n from ' + table).get());
    assert.equal((db.prepare('select count(*) as n from users').get() as { n: number }).n, before.n);
    assert.equal((db.prepare("select count(*) as n from users where role = 'admin'").get() as { n: number }).n, 1);
    const mine = (await h.inject('GET', '/clients?limit=100', { token: user.token })).body;
    assert.equal(mine.total, 1 + payloads.length, 'only this user\'s clients, none from a UNION');
  });

  test('request body, upload and multipart limits answer 413/4xx and store nothing', async () => {
    const before = await listFiles(h.dataDir);
    const big = await h.inject('POST', '/clients', { token: user.token, json: { name: 'x', notes: 'n'.repeat(1_100_000) } });
    assert.equal(big.status, 413);
    const two = multipart([
      { name: 'client_id', data: String(clientId) },
      { name: 'image', filename: 'a.jpg', type: 'image/jpeg', data: await smallJpeg() },
      { name: 'image', filename: 'b.jpg', type: 'image/jpeg', data: await smallJpeg() },
    ]);
    const res = await h.inject('POST', '/portraits', { token: user.token, ...two });
    assert.ok(res.status >= 400 && res.status < 500, `two files → ${res.status}`);
    const manyFields = multipart(Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, data: 'x' })));
    const fields = await h.inject('POST', '/portraits', { token: user.token, ...manyFields });
    assert.ok(fields.status >= 400 && fields.status < 500, `40 fields → ${fields.status}`);
    assert.deepEqual(await listFiles(h.dataDir), before);
  });

  test('failed logins are limited per address and username; successes are never counted; X-Forwarded-For cannot dodge it', async () => {
    await register(h, 'lena');
    // Successes, many, from one address: never limited (load tests log in many users from one address).
    for (let i = 0; i < 15; i++) assert.equal((await h.inject('POST', '/auth/login', { json: { username: 'lena', password: PASSWORD }, remoteAddress: '10.1.1.1' })).status, 200);
    for (let i = 0; i < 3; i++) {
      const res = await h.inject('POST', '/auth/login', { json: { username: 'lena', password: 'wrong-password' }, remoteAddress: '10.1.1.1', headers: { 'x-forwarded-for': `203.0.113.${i}` } });
      assert.equal(res.status, 401);
    }
    const limited = await h.inject('POST', '/auth/login', { json: { username: 'lena', password: PASSWORD }, remoteAddress: '10.1.1.1', headers: { 'x-forwarded-for': '198.51.100.7' } });
    assert.equal(limited.status, 429, 'a spoofed X-Forwarded-For is not a new address');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal(limited.body.error.code, 'VERTEX_ERR_RATE_LIMITED');
    // The same username from another address, and another username from the same address, are not limited.
    assert.equal((await h.inject('POST', '/auth/login', { json: { username: 'lena', password: PASSWORD }, remoteAddress: '10.2.2.2' })).status, 200);
    assert.equal((await h.inject('POST', '/auth/login', { json: { username: 'sam', password: PASSWORD }, remoteAddress: '10.1.1.1' })).status, 200);
    // Case variants of the name share the counter.
    assert.equal((await h.inject('POST', '/auth/login', { json: { username: 'LENA', password: PASSWORD }, remoteAddress: '10.1.1.1' })).status, 429);
  });

  test('CORS is closed by default: no Access-Control-Allow-Origin on any response, preflight refused', async () => {
    const origin = 'https://evil.example';
    const routes: Array<[string, string, string?]> = [
      ['GET', '/'], ['GET', '/health'], ['GET', '/health/live'], ['GET', '/openapi.json'], ['GET', '/metrics'], ['GET', '/docs'],
      ['POST', '/auth/login'], ['GET', '/users/me', user.token], ['GET', '/clients', user.token], ['GET', `/ar/${portrait.public_id}`],
      ['GET', portrait.image_url.replace(/^https?:\/\/[^/]+/, '')], ['GET', '/admin/users', admin], ['GET', '/nope'],
    ];
    for (const [method, path, token] of routes) {
      const res = await h.inject(method, path, { token, headers: { origin }, json: method === 'POST' ? { username: 'sam', password: PASSWORD } : undefined });
      const cors = Object.keys(res.headers).filter((k) => k.startsWith('access-control-'));
      assert.deepEqual(cors, [], `${method} ${path} answered ${cors.join(', ')}`);
      const preflight = await h.inject('OPTIONS', path, { headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
      assert.ok(preflight.status >= 400, `preflight ${path} → ${preflight.status}`);
      assert.deepEqual(Object.keys(preflight.headers).filter((k) => k.startsWith('access-control-')), [], `preflight ${path}`);
    }
  });
});

test('tokens expire: a token works until its lifetime ends, then it is 401', async () => {
  const h = await harness({ tokenTtlSeconds: 1 });
  try {
    const { token } = await register(h, 'brief');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    assert.equal(claims.exp - claims.iat, 1);
    assert.equal((await h.inject('GET', '/users/me', { token })).status, 200);
    await sleep(2100);
    const expired = await h.inject('GET', '/users/me', { token });
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error.code, 'VERTEX_ERR_UNAUTHORIZED');
  } finally {
    await h.close();
  }
});

test('a request head over the header limit is refused with 431 (real socket), and the server goes on', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vertex-ar-security-http-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, jwtSecret: SECRET, defaultMetrics: false });
  const get = (headers: Record<string, string>) => new Promise<number>((resolve, reject) => {
    httpRequest(`${server.url}/health/live`, { headers, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    }).on('error', reject).end();
  });
  try {
    assert.equal(await get({ 'x-big': 'a'.repeat(64 * 1024) }), 431);
    assert.equal(await get({}), 200);
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
