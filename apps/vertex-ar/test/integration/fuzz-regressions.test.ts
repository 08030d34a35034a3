// Issue 12: what the fuzz test (fuzz-routes.test.ts) found, pinned so it stays fixed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';

let dataDir: string;
let app: FastifyInstance;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vertex-ar-fuzz-regressions-'));
  app = await buildApp({ dataDir, defaultMetrics: false });
});
after(async () => {
  await app.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('a path parameter over 100 characters answered 414 outside the error envelope, echoing the path back', async () => {
  // Issue 12: Fastify's router answered {"error":"Bad Request","code":"FST_ERR_MAX_PARAM_LENGTH","message":"'/clients/xxx…'…"}.
  const long = 'x'.repeat(10_000);
  for (const url of [`/clients/${long}`, `/ar/${long}`, `/files/${long}`, `/portraits/${'🙂'.repeat(300)}/videos`]) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 400, url.slice(0, 40));
    const body = JSON.parse(res.body);
    assert.deepEqual(body, { error: { code: 'VERTEX_ERR_VALIDATION', message: 'a path parameter is too long' } });
    assert.ok(res.body.length < 200, 'the path is not echoed back');
  }
});

test("a text number like '1e309' passed validation as Infinity and reached the database (500)", async () => {
  // Ajv coerces '1e309' and 'Infinity' to Infinity and lets it through integer/minimum/maximum.
  const dir = await mkdtemp(join(tmpdir(), 'vertex-ar-fuzz-infinity-'));
  const admin = await buildApp({ dataDir: dir, jwtSecret: 'x'.repeat(40), adminUsername: 'root', adminPassword: 'admin-password', defaultMetrics: false });
  try {
    const login = await admin.inject({ method: 'POST', url: '/auth/login', payload: { username: 'root', password: 'admin-password' } });
    const headers = { authorization: `Bearer ${JSON.parse(login.body).access_token}` };
    for (const url of ['/admin/clients?limit=1e309', '/admin/users?offset=Infinity', '/admin/portraits?limit=-1e309', '/clients/1e309']) {
      const res = await admin.inject({ method: 'GET', url, headers });
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.equal(JSON.parse(res.body).error.code, 'VERTEX_ERR_VALIDATION', url);
      assert.match(JSON.parse(res.body).error.message, /must be a finite number|must be integer/, url);
    }
    // Issue 19: `/ar/` takes a public id, a string: 'Infinity' is just an unknown one.
    assert.equal((await admin.inject({ method: 'GET', url: '/ar/Infinity' })).statusCode, 404);
    const fine = await admin.inject({ method: 'GET', url: '/admin/clients?limit=1e2', headers });
    assert.equal(fine.statusCode, 200, 'an exponent that is a whole number in range stays valid');
    assert.equal(JSON.parse(fine.body).limit, 100);
  } finally {
    await admin.close();
    await rm(dir, { recursive: true, force: true });
  }
});
