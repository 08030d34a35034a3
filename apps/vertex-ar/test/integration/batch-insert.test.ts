// The repository layer's batch insert: many client rows in one transaction of multi-row INSERTs, on SQLite and
// PostgreSQL — same rows as one-at-a-time inserts, in the order given, and all or nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/open-database.ts';
import type { Repositories } from '../../src/db/repositories.ts';
import type { NewClient } from '../../src/db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { describeEachDatabase, type DbKind } from '../support/test-server.ts';

describeEachDatabase('clients.createMany', (db: DbKind) => {
  let repos: Repositories;
  let dir: string;
  let pg: TestDatabase | undefined;
  let owner: number;
  const now = new Date().toISOString();
  const client = (i: number): NewClient => ({ user_id: owner, name: `client ${i}`, phone: null, email: `c${i}@example.test`, notes: null, created_at: now, updated_at: now });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vertex-batch-'));
    pg = db === 'postgres' ? await createTestDatabase() : undefined;
    repos = await openDatabase({ sqliteFile: join(dir, 'db.sqlite'), postgresUrl: pg?.url, slowQueryMs: -1 });
    owner = (await repos.users.create({ username: 'owner', email: null, password_hash: 'x', role: 'user', created_at: now })).id;
  });
  after(async () => {
    await repos.close();
    await pg?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  test('inserts more rows than one statement holds, in the order given, readable like single inserts', async () => {
    const single = await repos.clients.create(client(0));
    const rows = await repos.clients.createMany(Array.from({ length: 1234 }, (_, i) => client(i + 1)));
    assert.equal(rows.length, 1234);
    assert.deepEqual(rows.map((r) => r.name), Array.from({ length: 1234 }, (_, i) => `client ${i + 1}`));
    assert.ok(rows.every((r, i) => i === 0 || r.id > rows[i - 1]!.id) && rows[0]!.id > single.id);
    assert.deepEqual(await repos.clients.find(rows[700]!.id, owner), rows[700]);
    assert.equal((await repos.clients.list({ limit: 1, offset: 0 }, owner)).total, 1235);
    assert.deepEqual(await repos.clients.createMany([]), []);
  });

  test('is one transaction: a bad row leaves none of the batch behind', async () => {
    const before = (await repos.clients.list({ limit: 1, offset: 0 }, owner)).total;
    const rows = Array.from({ length: 600 }, (_, i) => client(i));
    rows[550] = { ...rows[550]!, user_id: 999_999 }; // no such user: the foreign key refuses it
    await assert.rejects(repos.clients.createMany(rows));
    assert.equal((await repos.clients.list({ limit: 1, offset: 0 }, owner)).total, before);
  });
});
