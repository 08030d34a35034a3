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
