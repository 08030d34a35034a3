// Issue 12: random and malicious requests to every route — bodies, headers, multipart parts, query strings and
// paths — never get a 5xx, never crash the app, and a rejected request leaves the database and the storage exactly
// as they were (row count of every table, every file under the data directory).
// Issue 24: over a real socket on loopback, on SQLite and PostgreSQL, so Node's HTTP parser sees the hostile bytes
// (inject() stripped Host and Transfer-Encoding). Every one of the NUM_RUNS requests must be answered: a timeout or
// a malformed response fails the run; fast-check prints the seed to replay it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fakeMp4, form, smallJpeg } from '../support/media.ts';
import { multipartBody } from '../support/multipart-body.ts';
import { headerOf, rawExchange, type RawResponse } from '../support/raw-http.ts';
import { call, describeEachDatabase, newClient, newUser, snapshot, startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Requests per database, one at a time (the before/after comparison needs the server to itself). PostgreSQL takes
 * fewer: each snapshot there opens a connection, and the whole file must finish well inside the runner's 180 s.
 */
const NUM_RUNS = { sqlite: 600, postgres: 300 } as const;
const SECRET = 'fuzz-secret-that-is-long-enough-for-hs256-0123456789';
/** Fastify's own answer when Node's parser refuses a request (not the app's error envelope: see the todo tests in http-framing.test.ts). */
const PARSER_REJECTION = /^\{"error":"(Bad Request|Request Header Fields Too Large)","message":"[^"]*","statusCode":(400|431)\}$/;

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
  /** The portrait's public id, what /ar/:id takes. */
  publicId: string;
  videoId: number;
  fileKey: string;
  jpeg: Buffer;
}

const idValue = fc.oneof(
  fc.constantFrom('1', '2', '3'),
  { weight: 3, arbitrary: fc.constant('__own__') },
  fc.integer({ min: -5, max: 1_000_000 }).map(String),
  hostileString.map(enc),
  fc.constantFrom(...HOSTILE.slice(6, 12)),
);

const authHeader = fc.oneof(
  fc.constant(undefined),
  { weight: 3, arbitrary: fc.constant('user') },
  fc.constant('admin'),
  hostileString.map((s) => `Bearer ${headerSafe(s)}`),
  fc.constantFrom('Bearer ', 'Basic YWRtaW46YWRtaW4=', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIn0.'),
);

/** A valid body of one of the JSON routes with fields made hostile, so requests get past validation into the handlers. */
const nearValidJson = fc.tuple(
  fc.constantFrom<Record<string, unknown>>(
    { name: 'Ada', phone: '+1 555 0100', notes: 'n' }, { username: 'fuzzer', password: 'correct-horse' },
    { username: 'newbie', email: 'newbie@example.com', password: 'correct-horse' }, { starts_at: '2030-01-01T00:00:00Z', ends_at: '2030-02-01T00:00:00Z' },
  ),
  fc.dictionary(fc.constantFrom('name', 'phone', 'email', 'notes', 'username', 'password', 'starts_at', 'ends_at'), hostileString, { maxKeys: 2 }),
).map(([base, hostile]) => ({ ...base, ...hostile }));

const jsonBody = fc.oneof(
  { weight: 2, arbitrary: nearValidJson },
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
    { weight: 1, arbitrary: fc.oneof(hostileString.map(enc), fc.constantFrom('/..', '/../..', '/%2e%2e', '//', '/./', '/..%5c', '\\..\\')) },
  ),
  query: fc.array(fc.tuple(fc.oneof(fc.constantFrom('limit', 'offset', 'client_id', '__proto__'), hostileString), hostileString), { maxLength: 4 }),
  auth: authHeader,
  // Host and Transfer-Encoding reach Node's parser as sent (a chunked body is framed as chunked, anything else not).
  headers: fc.dictionary(fc.constantFrom('x-forwarded-for', 'origin', 'range', 'accept', 'cookie', 'x-real-ip', 'content-encoding', 'transfer-encoding', 'host'), fc.oneof(hostileString.map(headerSafe), fc.constantFrom('chunked', 'gzip, chunked', 'identity')), { maxKeys: 3 }),
  body: bodyKind,
});

type HostileRequest = typeof hostileRequest extends fc.Arbitrary<infer T> ? T : never;

/** The request as bytes on the wire, and a label for messages. */
function toWire(r: HostileRequest, fx: Fixture): { label: string; bytes: Buffer; hasTransferEncoding: boolean } {
  const [method, template] = r.route;
  const own = template.includes('videos/:id') ? fx.videoId : template.startsWith('/clients') ? fx.clientId : template.startsWith('/ar') ? fx.publicId : fx.portraitId;
  const id = r.id === '__own__' ? String(own) : r.id;
  let path = template.replace(':id', id).replace(':key', r.id === '__own__' ? fx.fileKey : id);
  if (r.extraPath !== undefined) path += r.extraPath.startsWith('/') ? r.extraPath : `/${r.extraPath}`;
  const query = r.query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  const headers: Record<string, string> = { host: '127.0.0.1', ...r.headers, connection: 'close' };
  if (r.auth === 'user') headers.authorization = `Bearer ${fx.userToken}`;
  else if (r.auth === 'admin') headers.authorization = `Bearer ${fx.adminToken}`;
  else if (r.auth !== undefined) headers.authorization = r.auth;
  let payload: Buffer | undefined;
  const b = r.body;
  if (b.kind === 'json') {
    headers['content-type'] = 'application/json';
    payload = Buffer.from(JSON.stringify(b.value) ?? 'null');
  } else if (b.kind === 'raw') {
    headers['content-type'] = b.type;
    payload = Buffer.from(b.value);
  } else if (b.kind === 'multipart') {
    // Placeholders for valid values, so some uploads get deep into the handlers (and some succeed).
    const parts = b.parts.map((p) => ({ ...p, data: p.data === '__jpeg__' ? fx.jpeg : p.data === '__client__' ? String(fx.clientId) : p.data }));
    headers['content-type'] = `multipart/form-data; boundary=${b.lie ? 'not-the-boundary' : b.boundary}`;
    payload = multipartBody(parts, b.boundary).body;
  }
  const te = headers['transfer-encoding'];
  if (payload && te !== undefined && /chunked$/i.test(te)) payload = Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]);
  else if (payload) headers['content-length'] = String(payload.length);
  const target = query ? `${path}?${query}` : path;
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return { label: `${method} ${target.slice(0, 200)}`, bytes: Buffer.concat([Buffer.from(head, 'latin1'), payload ?? Buffer.alloc(0)]), hasTransferEncoding: te !== undefined };
}

/** The app's error envelope, or Fastify's answer for a request Node's parser refused. */
function assertErrorBody(res: RawResponse, label: string): void {
  const text = res.body.toString('utf8');
  if (PARSER_REJECTION.test(text)) return;
  if (!headerOf(res, 'content-type')?.includes('json')) return;
  assert.equal(typeof JSON.parse(text).error.code, 'string', `${label} → ${res.status} ${text.slice(0, 200)}`);
}

/**
 * Row counts and files. Leaves out the storage check's probe file: Node hands a request to the app at the end of its
 * head, before its parser refuses a bad Transfer-Encoding with a 400, so a refused GET /health still runs its check,
 * which writes that file and removes it (bodies never reach a handler that way: no row or object changes).
 */
async function state(t: TestServer): Promise<string> {
  const { rows, files } = await snapshot(t);
  return JSON.stringify({ rows, files: files.filter((f) => !f.startsWith('files.staging/probe-')) });
}

describeEachDatabase('fuzz over a real socket', (db) => {
  let t: TestServer;
  let fx: Fixture;
  before(async () => {
    t = await startTestServer({ jwtSecret: SECRET, adminUsername: 'root', adminPassword: 'admin-password', defaultMetrics: false, loginLimit: { maxFailures: 1_000_000 } }, db);
    const user = await newUser(t, 'fuzzer');
    const adminToken = (await call(t, 'POST', '/auth/login', { json: { username: 'root', password: 'admin-password' } })).body.access_token;
    const clientId = await newClient(t, user.token);
    const jpeg = await smallJpeg();
    const image = form({ client_id: String(clientId) }, { field: 'image', bytes: jpeg, filename: 'a.jpg', type: 'image/jpeg' });
    const portrait = await call(t, 'POST', '/portraits', { token: user.token, body: image });
    assert.equal(portrait.status, 201, JSON.stringify(portrait.body));
    const mp4 = form({}, { field: 'video', bytes: fakeMp4(2000), filename: 'v.mp4', type: 'video/mp4' });
    const video = await call(t, 'POST', `/portraits/${portrait.body.id}/videos`, { token: user.token, body: mp4 });
    assert.equal(video.status, 201, JSON.stringify(video.body));
    const fileKey = String(portrait.body.image_url).split('/').pop()!;
    fx = { userToken: user.token, adminToken, clientId, portraitId: portrait.body.id, publicId: portrait.body.public_id, videoId: video.body.id, fileKey, jpeg };
  });
  after(() => t?.close());

  test('hostile requests to every route: each answered, never a 5xx, and a rejected one changes neither database nor storage', async () => {
    let runs = 0;
    const statuses = new Map<number, number>();
    // The state after the previous request, when it ran to the end: one snapshot per request, not two.
    let known: string | undefined;
    await fc.assert(
      fc.asyncProperty(hostileRequest, async (r) => {
        const before = known ?? (await state(t));
        known = undefined;
        const { label, bytes, hasTransferEncoding } = toWire(r, fx);
        const { responses } = await rawExchange(t.url, bytes, { timeoutMs: 15_000 });
        const after = await state(t);
        known = after;
        runs++;
        const finals = responses.filter((res) => res.status >= 200);
        assert.deepEqual(responses.filter((res) => res.status < 200), [], `${label}: no interim response was asked for`);
        // Known bug (todo test in http-framing.test.ts): when the app answers before Node's parser refuses
        // the body framing, Fastify writes its own 400 after the app's response.
        const extra = hasTransferEncoding && finals.length === 2 && finals[1]!.status === 400 && PARSER_REJECTION.test(finals[1]!.body.toString());
        assert.equal(finals.length, extra ? 2 : 1, `${label}: ${finals.map((res) => res.status).join(', ')}`);
        const res = finals[0]!;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(res.status < 500, `${label} → ${res.status} ${res.body.toString().slice(0, 300)}`);
        if (res.status >= 400) {
          assert.equal(after, before, `${label} → ${res.status} changed the data`);
          assertErrorBody(res, label);
        }
      }),
      // The time limit bounds the shrinking of a failure (a hang costs 15 s per shrink step); reaching it before all
      // the requests were answered is a failure, never a partial pass.
      { numRuns: NUM_RUNS[db], includeErrorInReport: true, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true },
    );
    assert.equal(runs, NUM_RUNS[db], 'every request was answered');
    // The app is alive and well after all of it: ready, and it still reads the database for a signed-in user.
    assert.equal((await call(t, 'GET', '/health/ready')).status, 200);
    assert.equal((await call(t, 'GET', '/users/me', { token: fx.userToken })).body.username, 'fuzzer');
    console.log(`# fuzz [${db}]: ${runs} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
  });
});
