/**
 * Schema migrations, run through kysely's Migrator (which keeps its own `kysely_migration` table).
 * Written with the schema builder so the same migrations run on SQLite and PostgreSQL; only the
 * auto-increment id column differs, and it is chosen by dialect.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { newPublicId } from '../ar/public-id.ts';

/** Which SQL engine the migrations target. */
export type SqlDialectName = 'sqlite' | 'postgres';

function migrations(dialect: SqlDialectName): Record<string, Migration> {
  // SQLite: INTEGER PRIMARY KEY AUTOINCREMENT; PostgreSQL: identity column via `serial`.
  const idType = dialect === 'postgres' ? 'serial' : 'integer';
  const id = (c: any) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement());
  return {
    '0001_initial': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('users')
          .addColumn('id', idType, id)
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('email', 'text', (c) => c.unique())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull().defaultTo('user'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('clients')
          .addColumn('id', idType, id)
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('phone', 'text')
          .addColumn('email', 'text')
          .addColumn('notes', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('portraits')
          .addColumn('id', idType, id)
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('client_id', 'integer', (c) => c.notNull().references('clients.id').onDelete('cascade'))
          .addColumn('image_key', 'text', (c) => c.notNull())
          .addColumn('thumbnail_key', 'text', (c) => c.notNull())
          .addColumn('marker_key', 'text', (c) => c.notNull())
          .addColumn('format', 'text', (c) => c.notNull())
          .addColumn('width', 'integer', (c) => c.notNull())
          .addColumn('height', 'integer', (c) => c.notNull())
          .addColumn('image_bytes', 'integer', (c) => c.notNull())
          .addColumn('keypoint_count', 'integer', (c) => c.notNull())
          .addColumn('marker_width', 'integer', (c) => c.notNull())
          .addColumn('marker_height', 'integer', (c) => c.notNull())
          .addColumn('view_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('videos')
          .addColumn('id', idType, id)
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('portrait_id', 'integer', (c) => c.notNull().references('portraits.id').onDelete('cascade'))
          .addColumn('video_key', 'text', (c) => c.notNull())
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('size_bytes', 'integer', (c) => c.notNull())
          .addColumn('starts_at', 'text')
          .addColumn('ends_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        // One index per foreign key, each ending in `id` so it also serves the stable list order.
        const indexes: Array<[string, string, string[]]> = [
          ['clients_user_id_idx', 'clients', ['user_id', 'id']],
          ['portraits_user_id_idx', 'portraits', ['user_id', 'id']],
          ['portraits_client_id_idx', 'portraits', ['client_id', 'id']],
          ['videos_user_id_idx', 'videos', ['user_id', 'id']],
          ['videos_portrait_id_idx', 'videos', ['portrait_id', 'id']],
        ];
        for (const [name, table, columns] of indexes) {
          await db.schema.createIndex(name).on(table).columns(columns).execute();
        }
      },
      async down(db: Kysely<any>) {
        for (const t of ['videos', 'portraits', 'clients', 'users']) await db.schema.dropTable(t).execute();
      },
    },
    // Issue 19, item 5: a token carries its user's version; a password or role change, or a logout, bumps it.
    '0002_user_token_version': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('users').addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.alterTable('users').dropColumn('token_version').execute();
      },
    },
    // Issue 19, item 6: `/ar/:publicId` takes an unguessable id; existing portraits get one here. The column stays
    // nullable in the schema (SQLite cannot add a NOT NULL column without a default); every insert sets it.
    '0003_portrait_public_id': {
      async up(db: Kysely<any>) {
        await inTransaction(db, async (trx) => {
          await trx.schema.alterTable('portraits').addColumn('public_id', 'text').execute();
          const rows = await trx.selectFrom('portraits').select('id').where('public_id', 'is', null).execute();
          for (const { id } of rows) {
            await trx.updateTable('portraits').set({ public_id: newPublicId() }).where('id', '=', id).execute();
          }
          await trx.schema.createIndex('portraits_public_id_idx').on('portraits').column('public_id').unique().execute();
        });
      },
      async down(db: Kysely<any>) {
        await db.schema.dropIndex('portraits_public_id_idx').execute();
        await db.schema.alterTable('portraits').dropColumn('public_id').execute();
      },
    },
    // A name belongs to one account whatever its case. A database that already holds a pair (`Admin` and `admin`)
    // keeps both accounts — either may be in use, and merging is not a migration's call — and gets no index; the
    // registration check still refuses new pairs there.
    '0004_username_unique_ignoring_case': {
      async up(db: Kysely<any>) {
        const pairs = await sql`select lower(username) from users group by lower(username) having count(*) > 1 limit 1`.execute(db);
        if (pairs.rows.length === 0) await sql`create unique index users_username_lower_idx on users (lower(username))`.execute(db);
      },
      async down(db: Kysely<any>) {
        await sql`drop index if exists users_username_lower_idx`.execute(db);
      },
    },
  };
}

/** Runs `fn` in a transaction: PostgreSQL's migrator already opened one; on SQLite the backfill needs its own. */
function inTransaction(db: Kysely<any>, fn: (trx: Kysely<any>) => Promise<void>): Promise<void> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/** The migrations as kysely's Migrator takes them (exported for the tests that migrate step by step). */
export function migrationProvider(dialect: SqlDialectName): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}

/** Brings the schema up to date; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
  const { error } = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateToLatest();
  if (error) throw error;
}

/** Cheapest round trip that proves the database answers (for readiness checks). */
export async function pingDatabase(db: Kysely<any>): Promise<void> {
  await sql`select 1`.execute(db);
}
