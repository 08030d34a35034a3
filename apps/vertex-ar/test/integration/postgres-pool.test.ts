// Issue #8: the PostgreSQL pool — an exhausted pool answers 503 with Retry-After and is counted; slow
// queries are logged with their EXPLAIN plan and counted (also on SQLite).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { call, newUser, startTestServer, type DbKind, type TestServer } from '../support/test-server.ts';
import { POSTGRES } from '../support/postgres.ts';

describe('PostgreSQL pool exhaustion', { skip: POSTGRES.skipReason }, () => {
  let t: TestServer;
  let admin: string;
  before(async () => {
    t = await startTestServer({ poolSize: 1, acquireTimeoutMs: 150, adminUsername: 'root', adminPassword: 'admin-password' }, 'postgres');
    admin = (await call(t, 'POST', '/auth/login', { json: { username: 'root', password: 'admin-password' } })).body.access_token;
    // Warm the profile cache so authentication does not need the locked table.
    assert.equal((await call(t, 'GET', '/users/me', { token: admin })).status, 200);
  });
  after(() => t.close());

  test('a request that cannot get a connection within the acquire timeout is a 503, counted', async () => {
    const locker = new pg.Client({ connectionString: t.pg!.url });
    await locker.connect();
    try {
      // The one pooled connection blocks on this lock; the next query waits for the pool and times out.
      await locker.query('begin; lock table users in access exclusive mode');
      const res = await call(t, 'GET', '/admin/users', { token: admin });
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'VERTEX_ERR_UNAVAILABLE');
      assert.equal(res.headers.get('retry-after'), '1');
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
    // The blocked query finishes once the lock is gone, and the pool serves again.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++, await sleep(50)) status = (await call(t, 'GET', '/admin/users', { token: admin })).status;
    assert.equal(status, 200);
    const metrics = await call(t, 'GET', '/metrics');
    assert.match(metrics.body, /^db_pool_exhausted_total [1-9]\d*$/m);
    assert.match(metrics.body, /^db_pool_acquire_duration_seconds_count [1-9]\d*$/m);
  });
});

for (const db of ['sqlite', 'postgres'] as DbKind[]) {
  describe(`slow queries [${db}]`, { skip: db === 'postgres' ? POSTGRES.skipReason : false }, () => {
    const lines: Array<Record<string, unknown>> = [];
    let t: TestServer;
    before(async () => {
      // Threshold 0: every statement is "slow", so the log and the counter are exercised deterministically.
      t = await startTestServer({ slowQueryMs: 0, log: (line) => lines.push(line) }, db);
    });
    after(() => t.close());

    test('are counted and logged once per statement with the plan', async () => {
      const { token } = await newUser(t);
      await call(t, 'GET', '/clients', { token });
      let line: Record<string, unknown> | undefined;
      for (let i = 0; i < 50 && !line; i++, await sleep(20)) line = lines.find((l) => /from "clients"/.test(String(l.sql)));
      assert.ok(line, JSON.stringify(lines));
      assert.equal(line.msg, 'slow query');
      const plan = (line.plan as string[]).join('\n');
      assert.match(plan, db === 'postgres' ? /Scan|Limit/ : /SCAN|SEARCH/);
      assert.doesNotMatch(plan, /EXPLAIN failed/);
      const metrics = await call(t, 'GET', '/metrics');
      assert.match(metrics.body, /^db_slow_queries_total\{operation="select"\} [1-9]\d*$/m);
      assert.match(metrics.body, /^db_query_duration_seconds_count\{operation="insert"\} [1-9]\d*$/m);
    });
  });
}
