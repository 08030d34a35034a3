// A megabyte of nested JSON costs the parser ~160 ms of CPU: a route that needs a login must refuse it before
// reading it, and a public route (login, register) must refuse deep nesting without building it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { call, newUser, startTestServer, type TestServer } from '../support/test-server.ts';

let t: TestServer;
let token: string;
before(async () => {
  t = await startTestServer();
  token = (await newUser(t)).token;
});
after(() => t.close());

const DEPTH = 500_000;
const nested = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
const nestedObject = '{"a":'.repeat(40) + '1' + '}'.repeat(40);

/** POSTs a JSON body on a fresh connection; resolves with the status and how long the answer took. */
function post(path: string, body: string, auth?: string): Promise<{ status: number; body: string; ms: number }> {
  const { port } = new URL(t.url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (auth) headers.authorization = `Bearer ${auth}`;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('1 MB of nested JSON to a logged-in route without a token: 401 before the body is parsed', async () => {
  assert.ok(nested.length <= 1024 * 1024);
  const started = performance.now();
  const liveTimes: number[] = [];
  const flood = Promise.all(Array.from({ length: 10 }, () => post('/clients', nested)));
  const probing = (async () => {
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      assert.equal((await call(t, 'GET', '/health/live')).status, 200);
      liveTimes.push(performance.now() - s);
    }
  })();
  const [answers] = await Promise.all([flood, probing]);
  for (const a of answers) {
    assert.equal(a.status, 401, a.body);
    assert.equal(JSON.parse(a.body).error.code, 'VERTEX_ERR_UNAUTHORIZED');
  }
  // The unread body is drained, not a reason to drop the connection: a client may go on using it.
  const refused = await call(t, 'POST', '/clients', { json: { name: 'x' } });
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get('connection'), 'keep-alive');
  assert.equal((await call(t, 'GET', '/health/live')).status, 200);
  console.log(`# 10 × 1 MB nested JSON without a token: all answered in ${Math.round(performance.now() - started)} ms; /health/live slowest ${Math.round(Math.max(...liveTimes))} ms`);
});

test('deep nesting is a 400 on every JSON route, with or without a token, and is never built', async () => {
  const started = performance.now();
  const answers = await Promise.all([
    post('/auth/login', nested),
    post('/auth/register', nested),
    post('/clients', nested, token),
    post('/auth/login', `{"username":${nestedObject},"password":"x"}`),
  ]);
  for (const a of answers) {
    assert.equal(a.status, 400, a.body);
    assert.deepEqual(JSON.parse(a.body).error, { code: 'VERTEX_ERR_MALFORMED_JSON', message: 'JSON nested deeper than 32 levels' });
  }
  console.log(`# 4 nested bodies refused in ${Math.round(performance.now() - started)} ms`);
  // Brackets inside strings are text, not nesting; ordinary bodies are unaffected.
  const name = '['.repeat(100);
  const created = await call(t, 'POST', '/clients', { token, json: { name, notes: '{'.repeat(200) } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.name, name);
  const shallow = await call(t, 'POST', '/auth/login', { json: { username: 'nobody', password: 'wrong-password' } });
  assert.equal(shallow.status, 401);
});
