/**
 * Schema migrations, run through kysely's Migrator (which keeps its own `kysely_migration` table).
 * Written with the schema builder so the same migrations run on SQLite and PostgreSQL; only the
 * auto-increment id column differs, and it is chosen by dialect.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

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
  };
}

/** Brings the schema up to date; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const { error } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) throw error;
}

/** Cheapest round trip that proves the database answers (for readiness checks). */
export async function pingDatabase(db: Kysely<any>): Promise<void> {
  await sql`select 1`.execute(db);
}
