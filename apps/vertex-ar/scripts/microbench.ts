// Micro-measurements behind docs/operations/performance-optimization.md (issue #8): the cost of the
// metrics hook's recording, batched vs one-by-one view-count writes, and the clients index.
// Usage: node --import tsx apps/vertex-ar/scripts/microbench.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createMetrics } from '../src/metrics/metrics.ts';
import { openDatabase } from '../src/db/open-database.ts';
import { openSqlite } from '../src/db/sqlite.ts';
import { newPublicId } from '../src/ar/public-id.ts';

function timeNs(n: number, fn: (i: number) => void): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t) / n;
}

const metrics = createMetrics({ defaults: false });
const labels = { route: '/health/live', method: 'GET', status: '200' };
const N = 1_000_000;
timeNs(N / 10, () => metrics.httpRequests.inc(labels)); // warm-up
const perRequest = timeNs(N, (i) => {
  metrics.httpRequests.inc(labels);
  metrics.httpDuration.observe(labels, (i % 100) / 10_000);
});
console.log(`metrics: ${perRequest.toFixed(0)} ns per request recorded (counter + histogram, cached label object)`);

const dir = mkdtempSync(join(tmpdir(), 'vertex-micro-'));
try {
  const file = join(dir, 'db.sqlite');
  const repos = await openDatabase({ sqliteFile: file, slowQueryMs: -1 });
  const now = new Date().toISOString();
  const users = 500;
  for (let u = 1; u <= users; u++) await repos.users.create({ username: `u${u}`, email: null, password_hash: 'x', role: 'user', created_at: now });
  const db = openSqlite({ file });
  // 100 clients per user, inserted interleaved so a user's rows are spread over the table.
  for (let batch = 0; batch < 100; batch++) {
    await db.insertInto('clients').values(Array.from({ length: users }, (_, u) => ({
      user_id: u + 1, name: `c${batch}`, phone: null, email: null, notes: null, created_at: now, updated_at: now,
    }))).execute();
  }
  const portrait = await repos.portraits.create({
    public_id: newPublicId(), user_id: 1, client_id: 1, image_key: 'k', thumbnail_key: 'k', marker_key: 'k', format: 'jpeg', width: 1, height: 1, image_bytes: 1,
    keypoint_count: 1, marker_width: 1, marker_height: 1, created_at: now,
  });
  const views = 2000;
  let t = performance.now();
  for (let i = 0; i < views; i++) await repos.portraits.addViews(new Map([[portrait.id, 1]]));
  const oneByOne = performance.now() - t;
  t = performance.now();
  await repos.portraits.addViews(new Map([[portrait.id, views]]));
  const batched = performance.now() - t;
  console.log(`views: ${views} one-by-one writes ${oneByOne.toFixed(1)} ms; one batched flush ${batched.toFixed(2)} ms`);

  const lists = 2000;
  const list = async () => {
    const s = performance.now();
    for (let i = 0; i < lists; i++) await repos.clients.list({ limit: 20, offset: 0 }, (i % users) + 1);
    return (performance.now() - s) / lists;
  };
  const withIndex = await list();
  await sql`drop index clients_user_id_idx`.execute(db);
  const withoutIndex = await list();
  console.log(`clients list (50 000 rows, page of 20 + count): ${(withIndex * 1000).toFixed(0)} µs with (user_id, id) index; ${(withoutIndex * 1000).toFixed(0)} µs without`);
  await db.destroy();
  await repos.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
