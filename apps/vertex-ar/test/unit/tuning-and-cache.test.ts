// Issue #8: pure pieces — tuning presets and overrides, serve flags, the LRU fill guard, the relay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoWorkers, DEFAULT_TUNING, resolveTuning } from '../../src/server/config/tuning.ts';
import { serveOptionsFromFlags, UsageError } from '../../src/server/config/serve-config.ts';
import { LruStore } from '../../src/cache/cache-store.ts';
import { parseS3Url } from '../../src/storage/s3-url.ts';
import { operationOf } from '../../src/db/query-observer.ts';

test('auto workers is 2 x cores + 1', () => {
  assert.equal(autoWorkers(2), 5);
  assert.equal(autoWorkers(8), 17);
  assert.equal(resolveTuning({ workers: 'auto' }, 4).workers, 9);
});

test('serve runs one worker per available core unless a flag or preset says otherwise', () => {
  assert.equal(resolveTuning({}, 4).workers, 4);
  assert.equal(resolveTuning({}, 1).workers, 1);
  assert.equal(resolveTuning({ workers: 1 }, 4).workers, 1);
  assert.equal(resolveTuning({ preset: 'memory-constrained' }, 8).workers, 3);
});

test('presets set their values; explicit flags win; defaults otherwise', () => {
  assert.deepEqual(resolveTuning({}, 1), DEFAULT_TUNING);
  assert.deepEqual(resolveTuning({ preset: 'high-traffic' }), { ...DEFAULT_TUNING, workers: 17, concurrencyLimit: 1000, backlog: 8192, preset: 'high-traffic' });
  assert.deepEqual(resolveTuning({ preset: 'memory-constrained' }), { ...DEFAULT_TUNING, workers: 3, concurrencyLimit: 100, backlog: 512, preset: 'memory-constrained' });
  assert.deepEqual(resolveTuning({ preset: 'long-running' }), { ...DEFAULT_TUNING, workers: 5, concurrencyLimit: 50, gracefulShutdownTimeoutMs: 120_000, preset: 'long-running' });
  const mixed = resolveTuning({ preset: 'high-traffic', workers: 3, concurrencyLimit: 0, keepAliveTimeoutMs: 1000 });
  assert.deepEqual([mixed.workers, mixed.concurrencyLimit, mixed.backlog, mixed.keepAliveTimeoutMs], [3, 0, 8192, 1000]);
});

test('serve flags map to options; bad values are usage errors', () => {
  const o = serveOptionsFromFlags({ port: '0', host: '127.0.0.1', dataDir: 'd', preset: 'long-running', gracefulTimeout: '2.5', db: 'postgres://u@h/db', cache: 'redis://h:1', storage: 's3://bucket/pre/' },
    { endpoint: 'http://127.0.0.1:9000' });
  assert.equal(o.tuning!.gracefulShutdownTimeoutMs, 2500);
  assert.equal(o.postgresUrl, 'postgres://u@h/db');
  assert.equal(o.cacheUrl, 'redis://h:1');
  assert.deepEqual([o.s3!.bucket, o.s3!.prefix, o.s3!.client!.endpoint, o.s3!.client!.forcePathStyle], ['bucket', 'pre/', 'http://127.0.0.1:9000', true]);
  const guard = serveOptionsFromFlags({ port: '0', host: 'h', dataDir: 'd', cacheTimeoutMs: '30', cacheBreakerThreshold: '3', cacheBreakerCooldownMs: '250' });
  assert.deepEqual([guard.cacheTimeoutMs, guard.cacheBreakerThreshold, guard.cacheBreakerCooldownMs], [30, 3, 250]);
  for (const bad of [{ workers: '0' }, { preset: 'x' }, { backlog: '70000' }, { cache: 'memcached://x' }, { db: 'mysql://x' }, { storage: 's3://' },
    { cacheTimeoutMs: '0' }, { cacheBreakerThreshold: 'five' }, { cacheBreakerCooldownMs: '-1' }]) {
    assert.throws(() => serveOptionsFromFlags({ port: '0', host: 'h', dataDir: 'd', ...bad }), UsageError, JSON.stringify(bad));
  }
  assert.deepEqual(parseS3Url('s3://my-bucket'), { bucket: 'my-bucket', prefix: '' });
});

test('LRU fill guard: a load that raced an invalidation is not cached', async () => {
  const evicted: string[] = [];
  const lru = new LruStore({ maxEntries: 2, onEvict: (k) => evicted.push(k) });
  const token = await lru.token();
  await lru.invalidate(['clients:1']); // a write lands while the reader is in the database
  await lru.fill('clients:1', '20:0', { stale: true }, token);
  assert.equal(await lru.get('clients:1', '20:0'), undefined);
  await lru.fill('clients:1', '20:0', { fresh: true }, await lru.token());
  await lru.fill('clients:1', '20:20', { page: 2 }, await lru.token());
  assert.deepEqual([await lru.get('clients:1', '20:0'), await lru.get('clients:1', '20:20')], [{ fresh: true }, { page: 2 }]);
  await lru.fill('user:1', '', { u: 1 }, await lru.token());
  await lru.fill('user:2', '', { u: 2 }, await lru.token());
  assert.deepEqual(evicted, ['clients:1']);
});

test('LRU invalidation waits for the cluster broadcast', async () => {
  let release!: () => void;
  const lru = new LruStore({ broadcast: () => new Promise<void>((r) => (release = r)) });
  let done = false;
  const p = lru.invalidate(['ar:1']).then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false);
  release();
  await p;
  assert.equal(done, true);
});

test('statement kinds for the query metrics', () => {
  assert.deepEqual(['select 1', '  INSERT into', 'update x', 'delete from', 'create table'].map(operationOf), ['select', 'insert', 'update', 'delete', 'other']);
});
