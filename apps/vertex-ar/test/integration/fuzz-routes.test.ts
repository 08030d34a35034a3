// Issue 12: random and malicious requests to every route — bodies, headers, multipart parts, query strings and
// paths — never get a 5xx, never crash the app, and a rejected request leaves the database and the storage exactly
// as they were (row count of every table, every file under the data directory). Bounded: NUM_RUNS requests or
// TIME_LIMIT_MS, whichever comes first; the seed is printed by fast-check on a failure, to replay it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { startServer, type RunningServer } from '../../src/index.ts';
import { fakeMp4, smallJpeg } from '../support/media.ts';

const NUM_RUNS = 2500;
const TIME_LIMIT_MS = 40_000;
const SECRET = 'fuzz-secret-that-is-long-enough-for-hs256-0123456789';

/** Every route of the API (docs/api.md), `:id`-style parameters marked. */
const ROUTES: Array<[string, string]> = [
  ['GET', '/'], ['GET', '/health'], ['GET', '/health/live'], ['GET', '/health/ready'], ['GET', '/docs'], ['GET', '/openapi.json'], ['GET', '/metrics'],
  ['POST', '/auth/register'], ['POST', '/auth/login'], ['GET', '/users/me'],
  ['POST', '/clients'], ['GET', '/clients'], ['GET', '/clients/:id'], ['PATCH', '/clients/:id'], ['DELETE', '/clients/:id'],
  ['POST', '/portraits'], ['GET', '/portraits'], ['GET', '/portraits/:id'], ['DELETE', '/portraits/:id'],
  ['POST', '/portraits/:id/videos'], ['GET', '/portraits/:id/videos'], ['PATCH', '/videos/:id/schedule'],
  ['GET', '/ar/:id'], ['GET', '/files/:key'],
  ['GET', '/admin/users'], ['GET', '/admin/clients'], ['GET', '/admin/portraits'], ['GET', '/admin/storage'],
];

/** Strings that have broken services before: injection, traversal, encodings, prototypes, sizes. */
const HOSTILE = [
  "' OR '1'='1", "1; DROP TABLE users; --", "1 UNION SELECT password_hash FROM users", '"; --', "admin'--", '%27%20OR%201=1',
  '../../../../etc/passwd', '..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2fjwt-secret', '..%252f..%252fjwt-secret', '/etc/passwd', 'img-../../jwt-secret',
  '\u0000', '\u0000.jpg', '%00', '\r\nX-Injected: 1', '<script>alert(1)</script>', '${7*7}', '{{7*7}}', '__proto__', 'constructor', 'prototype',
  '-1', '0', '1e309', 'NaN', '9007199254740993', '99999999999999999999999', '0x10', ' 1', '1.5', 'true', 'null', '[]', '{}',
  'x'.repeat(10_000), '🙂'.repeat(300), '\uD800', 'ſ', 'İ', '%', '%zz', '%ED%A0%80', '%E0%A4%A',
];

const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);
/** Percent-encodes any string (a lone surrogate becomes U+FFFD first; encodeURIComponent throws on it). */
const enc = (s: string) => encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));
/** Header values must be visible ASCII on the wire: hostile content, percent-encoded where needed. */
const headerSafe = (s: string) => enc(s).slice(0, 2000);

interface Fixture {
  userToken: string;
  adminToken: string;
  clientId: number;
  portraitId: number;
  videoId: number;
  fileKey: string;
  jpeg: Buffer;
}

let dataDir: string;
let app: FastifyInstance;
let db: Database.Database;
let fx: Fixture;

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) out.push(rel + '/', ...(await listFiles(join(dir, entry.name), rel + '/')));
    else if (!/\.sqlite(-wal|-shm|-journal)?$/.test(entry.name)) out.push(rel);
  }
  return out.sort();
}

async function state(): Promise<string> {
  const count = (table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  const rows = ['users', 'clients', 'portraits', 'videos'].map((t) => `${t}=${count(t)}`).join(' ');
  return `${rows} | ${(await listFiles(dataDir)).join(' ')}`;
}

async function injectJson(method: string, url: string, token: string | undefined, payload?: unknown) {
  const res = await app.inject({ method: method as 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {}, payload: payload as object });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
}

function multipart(parts: Array<{ name: string; filename?: string; type?: string; data: Uint8Array | string }>, boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: ${disposition}\r\n${p.type ? `content-type: ${p.type}\r\n` : ''}\r\n`));
    chunks.push(Buffer.from(p.data));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vertex-ar-fuzz-'));
  app = await buildApp({ dataDir, jwtSecret: SECRET, adminUsername: 'root', adminPassword: 'admin-password', defaultMetrics: false, loginLimit: { maxFailures: 1_000_000 } });
  await injectJson('POST', '/auth/register', undefined, { username: 'fuzzer', email: 'fuzzer@example.com', password: 'correct-horse' });
  const userToken = (await injectJson('POST', '/auth/login', undefined, { username: 'fuzzer', password: 'correct-horse' })).body.access_token;
  const adminToken = (await injectJson('POST', '/auth/login', undefined, { username: 'root', password: 'admin-password' })).body.access_token;
  const clientId = (await injectJson('POST', '/clients', userToken, { name: 'Ada' })).body.id;
  const jpeg = await smallJpeg();
  const boundary = 'fixture-boundary';
  const portrait = await app.inject({
    method: 'POST', url: '/portraits', headers: { authorization: `Bearer ${userToken}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: multipart([{ name: 'client_id', data: String(clientId) }, { name: 'image', filename: 'a.jpg', type: 'image/jpeg', data: jpeg }], boundary),
  });
  assert.equal(portrait.statusCode, 201, portrait.body);
  const portraitBody = JSON.parse(portrait.body);
  const video = await app.inject({
    method: 'POST', url: `/portraits/${portraitBody.id}/videos`, headers: { authorization: `Bearer ${userToken}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: multipart([{ name: 'video', filename: 'v.mp4', type: 'video/mp4', data: fakeMp4(2000) }], boundary),
  });
  assert.equal(video.statusCode, 201, video.body);
  const fileKey = String(portraitBody.image_url).split('/').pop()!;
  fx = { userToken, adminToken, clientId, portraitId: portraitBody.id, videoId: JSON.parse(video.body).id, fileKey, jpeg };
  db = new Database(join(dataDir, 'vertex-ar.sqlite'), { readonly: true, fileMustExist: true });
});

after(async () => {
  db?.close();
  await app?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const idValue = fc.oneof(
  fc.constantFrom('1', '2', '3'),
  { weight: 3, arbitrary: fc.constant('__own__') },
  fc.integer({ min: -5, max: 1_000_000 }).map(String),
  hostileString.map(enc),
  fc.constantFrom(...HOSTILE.slice(6, 12)),
);

const authHeader = fc.oneof(
  fc.constant(undefined),
  fc.constant('user'),
  fc.constant('admin'),
  hostileString.map((s) => `Bearer ${headerSafe(s)}`),
  fc.constantFrom('Bearer ', 'Basic YWRtaW46YWRtaW4=', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIn0.'),
);

const jsonBody = fc.oneof(
  fc.record(
    { username: hostileString, email: hostileString, password: hostileString, name: hostileString, phone: hostileString, notes: hostileString, starts_at: hostileString, ends_at: hostileString },
    { requiredKeys: [] },
  ),
  fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
  fc.jsonValue({ maxDepth: 4 }),
);

const part = fc.record({
  name: fc.oneof(fc.constantFrom('client_id', 'image', 'video', 'starts_at', 'ends_at'), hostileString.map(headerSafe)),
  filename: fc.option(fc.oneof(fc.constantFrom('a.jpg', '../../../jwt-secret', '..\\evil.png', 'x\u0000.jpg', 'v.mp4'), hostileString.map(headerSafe)), { nil: undefined }),
  type: fc.option(fc.constantFrom('image/jpeg', 'image/png', 'video/mp4', 'text/plain', 'application/x-sh', '../../x'), { nil: undefined }),
  data: fc.oneof(
    hostileString,
    fc.uint8Array({ maxLength: 4096 }),
    fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), b])),
    fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.concat([fakeMp4(40), b])),
    fc.constant('__jpeg__'),
    fc.constant('__client__'),
  ),
});

const bodyKind = fc.oneof(
  fc.record({ kind: fc.constant('none' as const) }),
  fc.record({ kind: fc.constant('json' as const), value: jsonBody }),
  fc.record({ kind: fc.constant('raw' as const), value: fc.oneof(hostileString, fc.constantFrom('{"name":', '[1,2', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}')), type: fc.constantFrom('application/json', 'text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=', 'application/json; charset=utf-7', '*/*') }),
  fc.record({ kind: fc.constant('multipart' as const), parts: fc.array(part, { maxLength: 6 }), boundary: fc.constantFrom('b0undary', 'x', '----WebKitFormBoundary7MA4YWxkTrZu0gW'), lie: fc.integer({ min: 0, max: 3 }).map((n) => n === 0) }),
);

const hostileRequest = fc.record({
  route: fc.constantFrom(...ROUTES),
  id: idValue,
  // Mostly the route's own path, so most requests reach the handlers rather than the 404 handler.
  extraPath: fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.oneof(hostileString.map(enc), fc.constantFrom('/..', '/../..', '/%2e%2e', '//', '/./')) },
  ),
  query: fc.array(fc.tuple(fc.oneof(fc.constantFrom('limit', 'offset', 'client_id', '__proto__'), hostileString), hostileString), { maxLength: 4 }),
  auth: authHeader,
  headers: fc.dictionary(fc.constantFrom('x-forwarded-for', 'origin', 'range', 'accept', 'cookie', 'x-real-ip', 'content-encoding', 'transfer-encoding', 'host'), hostileString.map(headerSafe), { maxKeys: 3 }),
  body: bodyKind,
});

type HostileRequest = typeof hostileRequest extends fc.Arbitrary<infer T> ? T : never;

function toInject(r: HostileRequest) {
  const [method, template] = r.route;
  const id = r.id === '__own__' ? String(template.includes('videos/:id') ? fx.videoId : template.startsWith('/clients') ? fx.clientId : fx.portraitId) : r.id;
  let path = template.replace(':id', id).replace(':key', r.id === '__own__' ? fx.fileKey : id);
  if (r.extraPath !== undefined) path += r.extraPath.startsWith('/') ? r.extraPath : `/${r.extraPath}`;
  const query = r.query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  const headers: Record<string, string> = { ...r.headers };
  // A forged Host header is a routing concern of light-my-request, not of the app: keep the request on the app.
  delete headers.host;
  // transfer-encoding on an injected request makes light-my-request (not the app) reject it.
  delete headers['transfer-encoding'];
  if (r.auth === 'user') headers.authorization = `Bearer ${fx.userToken}`;
  else if (r.auth === 'admin') headers.authorization = `Bearer ${fx.adminToken}`;
  else if (r.auth !== undefined) headers.authorization = r.auth;
  let payload: string | Buffer | undefined;
  const b = r.body;
  if (b.kind === 'json') {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(b.value) ?? 'null';
  } else if (b.kind === 'raw') {
    headers['content-type'] = b.type;
    payload = b.value;
  } else if (b.kind === 'multipart') {
    // Placeholders for valid values, so some uploads get deep into the handlers (and some succeed).
    const parts = b.parts.map((p) => ({ ...p, data: p.data === '__jpeg__' ? fx.jpeg : p.data === '__client__' ? String(fx.clientId) : p.data }));
    headers['content-type'] = `multipart/form-data; boundary=${b.lie ? 'not-the-boundary' : b.boundary}`;
    payload = multipart(parts, b.boundary);
  }
  return { method: method as 'GET', url: query ? `${path}?${query}` : path, headers, payload };
}

test('hostile requests to every route: never a 5xx, and a rejected request changes neither database nor storage', async () => {
  let runs = 0;
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(hostileRequest, async (r) => {
      const before = await state();
      const req = toInject(r);
      const res = await app.inject(req);
      runs++;
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      assert.ok(res.statusCode < 500, `${req.method} ${req.url.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`);
      if (res.statusCode >= 400) {
        assert.deepEqual(await state(), before, `${req.method} ${req.url.slice(0, 200)} → ${res.statusCode} changed the data`);
        if (res.headers['content-type']?.toString().includes('json')) assert.equal(typeof JSON.parse(res.body).error.code, 'string');
      }
    }),
    { numRuns: NUM_RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
  );
  // The app is alive and well after all of it.
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  assert.equal(ready.statusCode, 200);
  assert.ok(runs >= 200, `only ${runs} requests ran`);
  console.log(`# fuzz: ${runs} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
});

/** The same promises over a real socket, for what inject() cannot send: broken framing, oversized heads, raw paths. */
describe('over a real socket', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vertex-ar-fuzz-http-'));
    server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir, jwtSecret: SECRET, defaultMetrics: false });
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes raw bytes, resolves the status code of the first answer (0 when the server just closed). */
  const raw = (bytes: string | Buffer) => new Promise<number>((resolve) => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0)));
    socket.setTimeout(5000, () => socket.destroy());
    socket.end(bytes);
  });

  test('over HTTP: broken framing, oversized heads and raw traversal paths get a 4xx (or a closed socket), never a 5xx', async () => {
    const files = async () => listFiles(dir);
    const before = await files();
    const cases: Array<string | Buffer> = [
      'GET /../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /files/..%2f..%2fjwt-secret HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /files/../jwt-secret HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /files/%2e%2e/jwt-secret HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`,
      'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{"username":"a"}',
      'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n',
      'GET / HTTP/9.9\r\nHost: x\r\n\r\n',
      'NOTAMETHOD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /health\u0000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]),
      'GET /health HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\nConnection: close\r\n\r\n',
      'POST /clients HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 20\r\nConnection: close\r\n\r\n--x\r\n\r\n--x--\r\n\r\n',
    ];
    for (const bytes of cases) {
      const status = await raw(bytes);
      const label = String(bytes).slice(0, 60).replace(/\r\n/g, ' ');
      assert.ok(status === 0 || (status >= 400 && status < 500), `${label} → ${status}`);
    }
    assert.deepEqual(await files(), before, 'no file appeared or vanished');
    const alive = await new Promise<number>((resolve, reject) => {
      httpRequest(`${server.url}/health/ready`, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject).end();
    });
    assert.equal(alive, 200);
  });
});
