// Issue 19 (item 6): public AR content is served by an unguessable public id, never by the sequential row id; rows
// from before the public id get one from the migration.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { newPublicId } from '../../src/ar/public-id.ts';
import { migrateToLatest, migrationProvider, type SqlDialectName } from '../../src/db/migrations.ts';
import { isUniqueViolation, openSqlite } from '../../src/db/sqlite.ts';
import { fakeMp4, form, smallJpeg } from '../support/media.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { call, describeEachDatabase, newClient, newUser, startTestServer, type TestServer } from '../support/test-server.ts';

const PUBLIC_ID = /^[A-Za-z0-9_-]{16}$/;

/** Bits of randomness in a public id: its base64url characters decode to this many bytes × 8. */
const bitsOf = (id: string) => Buffer.from(id, 'base64url').length * 8;

test('newPublicId: 16 base64url characters, 96 random bits, no repeat in 100,000', () => {
  const n = 100_000;
  const ids = new Set<string>();
  const ones = new Array<number>(96).fill(0);
  for (let i = 0; i < n; i++) {
    const id = newPublicId();
    assert.match(id, PUBLIC_ID);
    ids.add(id);
    const bytes = Buffer.from(id, 'base64url');
    for (let bit = 0; bit < 96; bit++) ones[bit]! += (bytes[bit >> 3]! >> (bit & 7)) & 1;
  }
  assert.equal(ids.size, n);
  assert.ok(bitsOf(newPublicId()) >= 64);
  // Random, not merely distinct (a counter is distinct too): every bit is set in about half the ids. For a fair bit
  // the share is 0.5 ± 0.0016 (one standard deviation at n = 100,000): 0.48-0.52 is over 12 of them.
  for (const [bit, count] of ones.entries()) {
    assert.ok(count / n > 0.48 && count / n < 0.52, `bit ${bit} set in ${count} of ${n}`);
  }
});

describeEachDatabase('AR content by public id', (db) => {
  let t: TestServer;
  let token: string;
  const portraits: Array<{ id: number; public_id: string }> = [];
  before(async () => {
    t = await startTestServer({}, db);
    token = (await newUser(t)).token;
    const clientId = await newClient(t, token);
    const jpeg = await smallJpeg(64, 64);
    for (let i = 0; i < 4; i++) {
      const p = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: jpeg }) });
      assert.equal(p.status, 201, JSON.stringify(p.body));
      portraits.push(p.body);
    }
  });
  after(() => t.close());

  test('each portrait has a distinct public id of at least 64 bits, shown to its owner', async () => {
    for (const p of portraits) {
      assert.match(p.public_id, PUBLIC_ID);
      assert.ok(bitsOf(p.public_id) >= 64, p.public_id);
      assert.notEqual(p.public_id, String(p.id));
      assert.equal((await call(t, 'GET', `/portraits/${p.id}`, { token })).body.public_id, p.public_id);
    }
    assert.equal(new Set(portraits.map((p) => p.public_id)).size, portraits.length);
    const list = await call(t, 'GET', '/portraits', { token });
    assert.deepEqual(list.body.items.map((p: { public_id: string }) => p.public_id), portraits.map((p) => p.public_id));
  });

  test('/ar/<public id> is 200 and names no row id; /ar/<numeric id> is 404', async () => {
    const [p] = portraits;
    const video = await call(t, 'POST', `/portraits/${p!.id}/videos`, { token, body: form({}, { field: 'video', bytes: fakeMp4(1000) }) });
    assert.equal(video.status, 201);
    const ar = await call(t, 'GET', `/ar/${p!.public_id}`);
    assert.equal(ar.status, 200);
    assert.equal(ar.body.public_id, p!.public_id);
    assert.equal(ar.body.video.id, video.body.id);
    assert.equal(ar.body.portrait_id, undefined);
    assert.equal(ar.body.video.portrait_id, undefined, 'the video does not give the row id away either');
    for (const q of portraits) {
      assert.equal((await call(t, 'GET', `/ar/${q.public_id}`)).status, 200);
      const byNumber = await call(t, 'GET', `/ar/${q.id}`);
      assert.equal(byNumber.status, 404, `/ar/${q.id}`);
      assert.equal(byNumber.body.error.code, 'VERTEX_ERR_NOT_FOUND');
    }
    // The OpenAPI document names the parameter for what it is.
    const spec = await call(t, 'GET', '/openapi.json');
    assert.ok(spec.body.paths['/ar/{publicId}']);
    assert.equal(spec.body.paths['/ar/{portraitId}'], undefined);
  });

  test('deleting the portrait makes its public id 404', async () => {
    const p = portraits.at(-1)!;
    assert.equal((await call(t, 'GET', `/ar/${p.public_id}`)).status, 200);
    assert.equal((await call(t, 'DELETE', `/portraits/${p.id}`, { token })).status, 204);
    assert.equal((await call(t, 'GET', `/ar/${p.public_id}`)).status, 404);
  });
});

describeEachDatabase('the public id migration', (kind) => {
  let dir: string;
  let db: Kysely<any>;
  let drop = async () => {};
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vertex-ar-public-id-'));
    if (kind === 'postgres') {
      const pgDb = await createTestDatabase();
      db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: pgDb.url, max: 2 }) }) });
      drop = () => pgDb.drop();
    } else {
      db = openSqlite({ file: join(dir, 'db.sqlite') });
    }
  });
  after(async () => {
    await db.destroy();
    await drop();
    await rm(dir, { recursive: true, force: true });
  });

  test('portraits from before the public id each get a distinct one; the column is unique', async () => {
    const dialect: SqlDialectName = kind;
    const { error } = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateTo('0001_initial');
    assert.ifError(error);
    const now = new Date().toISOString();
    await db.insertInto('users').values({ username: 'old', email: null, password_hash: 'x', role: 'user', created_at: now }).execute();
    await db.insertInto('clients').values({ user_id: 1, name: 'c', created_at: now, updated_at: now }).execute();
    const row = {
      user_id: 1, client_id: 1, image_key: 'k', thumbnail_key: 'k', marker_key: 'k', format: 'jpeg', width: 1, height: 1,
      image_bytes: 1, keypoint_count: 1, marker_width: 1, marker_height: 1, created_at: now,
    };
    await db.insertInto('portraits').values(Array.from({ length: 25 }, () => row)).execute();

    await migrateToLatest(db, dialect);
    const rows = await db.selectFrom('portraits').select(['id', 'public_id']).execute();
    assert.equal(rows.length, 25);
    for (const r of rows) assert.match(r.public_id, PUBLIC_ID);
    assert.equal(new Set(rows.map((r) => r.public_id)).size, 25);
    const user = await db.selectFrom('users').select('token_version').executeTakeFirstOrThrow();
    assert.equal(Number(user.token_version), 0, 'existing accounts start at version 0: their tokens stay valid');
    await assert.rejects(
      db.insertInto('portraits').values({ ...row, public_id: rows[0]!.public_id }).execute(),
      (err) => isUniqueViolation(err),
    );
  });
});
