/** Opens the configured database, migrated and ready, behind the repository interfaces. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { VertexError } from '../errors.ts';
import { migrateToLatest } from './migrations.ts';
import { createRepositories, type Repositories } from './repositories.ts';
import { openSqlite } from './sqlite.ts';

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** SQLite database file. PostgreSQL (`postgres://`) is accepted by the CLI in a later issue. */
  sqliteFile: string;
  busyTimeoutMs?: number;
}

/** Opens the database, runs migrations and returns the repositories. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Repositories> {
  if (!options.sqliteFile) throw new VertexError('VERTEX_ERR_VALIDATION', 'database file is required');
  mkdirSync(dirname(options.sqliteFile), { recursive: true });
  const db = openSqlite({ file: options.sqliteFile, busyTimeoutMs: options.busyTimeoutMs });
  try {
    await migrateToLatest(db, 'sqlite');
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return createRepositories(db);
}
