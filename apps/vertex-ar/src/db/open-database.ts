/** Opens the configured database (SQLite or PostgreSQL), migrated and ready, behind the repository interfaces. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { VertexError } from '../errors.ts';
import type { AppMetrics } from '../metrics/metrics.ts';
import { migrateToLatest, type SqlDialectName } from './migrations.ts';
import { openPostgres } from './postgres.ts';
import { QueryObserver, type LogLine } from './query-observer.ts';
import { createRepositories, type Repositories } from './repositories.ts';
import { openSqlite } from './sqlite.ts';

/** Options for {@link openDatabase}: a PostgreSQL URL, else a SQLite file. */
export interface OpenDatabaseOptions {
  /** `postgres://…`; when set, `sqliteFile` is ignored. */
  postgresUrl?: string;
  /** SQLite database file. */
  sqliteFile?: string;
  /** SQLite: how long a writer waits for another process's lock, in ms. */
  busyTimeoutMs?: number;
  /** PostgreSQL pool size per process; default 10. */
  poolSize?: number;
  /** PostgreSQL: wait for a free connection before answering 503, in ms; default 5000. */
  acquireTimeoutMs?: number;
  /** Slow-query threshold in ms (negative disables); default 250. */
  slowQueryMs?: number;
  /** Run migrations; default true. Cluster workers pass false: the primary migrated before forking. */
  migrate?: boolean;
  metrics?: AppMetrics;
  /** Slow-query log sink; default JSON lines on stderr. */
  log?: (line: LogLine) => void;
}

/** Which engine the options select. */
export function dialectOf(options: OpenDatabaseOptions): SqlDialectName {
  return options.postgresUrl ? 'postgres' : 'sqlite';
}

/** Opens the database, runs migrations (unless told not to) and returns the repositories. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Repositories> {
  const dialect = dialectOf(options);
  const observer = new QueryObserver({ dialect, metrics: options.metrics, slowQueryMs: options.slowQueryMs, log: options.log });
  let db;
  if (options.postgresUrl) {
    db = openPostgres({
      url: options.postgresUrl, poolSize: options.poolSize, acquireTimeoutMs: options.acquireTimeoutMs, metrics: options.metrics, log: observer.log,
    });
  } else {
    if (!options.sqliteFile) throw new VertexError('VERTEX_ERR_VALIDATION', 'database file is required');
    mkdirSync(dirname(options.sqliteFile), { recursive: true });
    db = openSqlite({ file: options.sqliteFile, busyTimeoutMs: options.busyTimeoutMs, log: observer.log });
  }
  observer.attach(db);
  try {
    if (options.migrate ?? true) await migrateToLatest(db, dialect);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return createRepositories(db, dialect);
}
