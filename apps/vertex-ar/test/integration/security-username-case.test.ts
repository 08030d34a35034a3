// `Admin` and `admin` were two accounts sharing one failed-login counter (the limiter folds case). A name now
// belongs to one account whatever its case; databases that already hold such a pair keep both accounts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest, migrationProvider } from '../../src/db/migrations.ts';
import { isUniqueViolation, openSqlite } from '../../src/db/sqlite.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { call, describeEachDatabase, snapshot, startTestServer, type TestServer } from '../support/test-server.ts';

describeEachDatabase('usernames are unique whatever their case', (kind) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({}, kind);
  });
  after(() => t.close());

  test('registering a case variant of a taken name is 409; login takes the name as registered', async () => {
    const register = (username: string, email: string) => call(t, 'POST', '/auth/register', { json: { username, email, password: 'correct-horse' } });
    assert.equal((await register('CaseUser', 'case1@example.com')).status, 201);
    const before = await snapshot(t);
    for (const variant of ['caseuser', 'CASEUSER', 'caseUser']) {
      const res = await register(variant, `${variant}-2@example.com`);
      assert.equal(res.status, 409, variant);
      assert.equal(res.body.error.code, 'VERTEX_ERR_CONFLICT');
    }
    assert.deepEqual(await snapshot(t), before, 'no account added');
    assert.equal((await call(t, 'POST', '/auth/login', { json: { username: 'CaseUser', password: 'correct-horse' } })).status, 200);
    assert.equal((await call(t, 'POST', '/auth/login', { json: { username: 'caseuser', password: 'correct-horse' } })).status, 401);
  });
});

describeEachDatabase('the case-insensitive username migration', (kind) => {
  const opened: Array<{ db: Kysely<any>; drop: () => Promise<void> }> = [];
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vertex-ar-username-'));
  });
  after(async () => {
    for (const o of opened) {
      await o.db.destroy();
      await o.drop();
    }
    await rm(dir, { recursive: true, force: true });
  });

  async function databaseBefore(name: string, usernames: string[]): Promise<Kysely<any>> {
    let db: Kysely<any>;
    let drop = async () => {};
    if (kind === 'postgres') {
      const pgDb = await createTestDatabase();
      db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: pgDb.url, max: 2 }) }) });
      drop = () => pgDb.drop();
    } else db = openSqlite({ file: join(dir, `${name}.sqlite`) });
    opened.push({ db, drop });
    const { error } = await new Migrator({ db, provider: migrationProvider(kind) }).migrateTo('0003_portrait_public_id');
    assert.ifError(error);
    const now = new Date().toISOString();
    for (const username of usernames) {
      await db.insertInto('users').values({ username, email: null, password_hash: 'x', role: 'user', created_at: now }).execute();
    }
    await migrateToLatest(db, kind);
    return db;
  }

  const insert = (db: Kysely<any>, username: string) =>
    db.insertInto('users').values({ username, email: null, password_hash: 'x', role: 'user', created_at: new Date().toISOString() }).execute();

  test('without case pairs: a unique index on the lower-cased name', async () => {
    const db = await databaseBefore('clean', ['Solo', 'other']);
    await assert.rejects(insert(db, 'solo'), (err) => isUniqueViolation(err));
    await insert(db, 'solo2');
  });

  test('with a pair already there (`Admin` and `admin`): both accounts kept, no index, the API refuses new pairs', async () => {
    const db = await databaseBefore('pairs', ['Admin', 'admin']);
    const names = (await db.selectFrom('users').select('username').orderBy('username').execute()).map((r) => r.username);
    assert.deepEqual(names.sort(), ['Admin', 'admin']);
  });
});
