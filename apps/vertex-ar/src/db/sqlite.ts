/**
 * The SQLite engine: a kysely instance over better-sqlite3. This file is the only place that knows
 * the engine; everything above it speaks kysely and so runs unchanged on PostgreSQL.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type LogConfig } from 'kysely';
import type { DatabaseSchema } from './schema.ts';

/** Options for {@link openSqlite}. */
export interface SqliteOptions {
  /** Database file path. */
  file: string;
  /** How long a writer waits for another process's lock before failing, in ms. */
  busyTimeoutMs?: number;
  /** kysely query log hook (metrics, slow queries). */
  log?: LogConfig;
}

/** Opens (creating if needed) a SQLite database tuned for a web server. */
export function openSqlite(options: SqliteOptions): Kysely<DatabaseSchema> {
  const sqlite = new Database(options.file);
  // WAL lets readers proceed while one writer writes; NORMAL sync is durable across app crashes in WAL.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
  // SQLite leaves foreign keys off unless asked, per connection.
  sqlite.pragma('foreign_keys = ON');
  return new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }), log: options.log });
}

/** True when `err` is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

/** True when `err` is a foreign-key violation (SQLite or PostgreSQL): the parent row was deleted meanwhile. */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}
