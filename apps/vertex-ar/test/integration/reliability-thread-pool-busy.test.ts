/**
 * Readiness while libuv's thread pool is full. Local-disk calls share that pool with password hashing and image work,
 * so under a burst of sign-ups the storage check can wait past its 2 s bound while the process answers everything
 * else: readiness says `degraded` with `checks.storage: "slow"` (200), never a 503 that would take a busy but healthy
 * replica out of rotation; it is `ok` again once the pool drains.
 *
 * The pool is filled for real, in this process (the server runs in it): pbkdf2 jobs sized from a measured one, twice
 * as many as the pool has threads, so every thread stays busy for longer than the check's bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2, pbkdf2Sync } from 'node:crypto';
import { call, startTestServer } from '../support/test-server.ts';

const POOL_THREADS = Number(process.env.UV_THREADPOOL_SIZE ?? 4);

/** Iterations of pbkdf2 that take about `ms` on this machine. */
function iterationsFor(ms: number): number {
  const probe = 20_000;
  const t0 = performance.now();
  pbkdf2Sync('x', 'salt', probe, 32, 'sha256');
  const perIteration = (performance.now() - t0) / probe;
  return Math.max(probe, Math.round(ms / perIteration));
}

test('a full thread pool makes readiness degraded (storage slow), not failed; ok once it drains', async (t) => {
  const server = await startTestServer();
  try {
    const before = await call(server, 'GET', '/health/ready');
    assert.equal(before.status, 200);
    assert.equal(before.body.checks.storage, 'ok');

    // Each job holds a pool thread ~3 s; two rounds of them keep every thread busy for ~6 s.
    const iterations = iterationsFor(3000);
    const jobs = Array.from({ length: POOL_THREADS * 2 }, () => new Promise<void>((resolve, reject) => pbkdf2('x', 'salt', iterations, 32, 'sha256', (err) => (err ? reject(err) : resolve()))));
    const started = performance.now();
    const busy = await call(server, 'GET', '/health/ready');
    const busyMs = performance.now() - started;
    t.diagnostic(`while the pool was full: ${busy.status} ${JSON.stringify(busy.body)} in ${busyMs.toFixed(0)} ms`);
    assert.equal(busy.status, 200, 'a busy pool is not a failed storage');
    assert.equal(busy.body.checks.storage, 'slow');
    assert.equal(busy.body.status, 'degraded');
    assert.equal(busy.body.checks.database, 'ok');
    // /health/live never touches the pool.
    assert.equal((await call(server, 'GET', '/health/live')).status, 200);

    await Promise.all(jobs);
    const after = await call(server, 'GET', '/health/ready');
    assert.equal(after.status, 200);
    assert.equal(after.body.checks.storage, 'ok');
    assert.equal(after.body.status, 'ok');
  } finally {
    await server.close();
  }
});
