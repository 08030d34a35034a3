/**
 * Turns `serve` flags into server options, refusing (with a one-line reason) values a later issue
 * will support: PostgreSQL, Redis, S3, several workers, presets.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { ServerOptions } from './start-server.ts';

/** Raw `serve` flags as commander gives them (strings, after env fallbacks). */
export interface ServeFlags {
  port: string;
  host: string;
  dataDir: string;
  workers?: string;
  preset?: string;
  db?: string;
  cache?: string;
  storage?: string;
  log?: boolean;
}

/** A flag value we cannot use; the CLI prints `message` and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function notYet(what: string): never {
  throw new UsageError(`${what} is not supported yet; use the default (SQLite, in-process LRU, local storage, one worker)`);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port must be an integer 0-65535, got "${value}"`);
  return port;
}

function sqliteFile(db: string | undefined): string | undefined {
  if (db === undefined || db === '') return undefined;
  if (/^postgres(ql)?:\/\//.test(db)) notYet('--db postgres://');
  if (!db.startsWith('sqlite:') || db.length === 'sqlite:'.length) {
    throw new UsageError(`--db must be sqlite:FILE or postgres://..., got "${db}"`);
  }
  const file = db.slice('sqlite:'.length);
  return isAbsolute(file) ? file : join(process.cwd(), file);
}

function storageDir(storage: string | undefined): string | undefined {
  if (storage === undefined || storage === '') return undefined;
  if (storage.startsWith('s3://')) notYet('--storage s3://');
  if (!storage.startsWith('local:') || storage.length === 'local:'.length) {
    throw new UsageError(`--storage must be local:DIR or s3://BUCKET, got "${storage}"`);
  }
  return storage.slice('local:'.length);
}

function checkWorkers(workers: string | undefined): void {
  if (workers === undefined) return;
  const n = workers === 'auto' ? availableParallelism() : Number(workers);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--workers must be a positive integer or "auto", got "${workers}"`);
  if (n > 1) notYet(`--workers ${workers} (${n} processes)`);
}

/** Validates flags and maps them to {@link ServerOptions}; throws {@link UsageError}. */
export function serveOptionsFromFlags(flags: ServeFlags): ServerOptions {
  checkWorkers(flags.workers);
  if (flags.preset !== undefined) notYet('--preset');
  if (flags.cache !== undefined && flags.cache !== 'lru') {
    if (flags.cache.startsWith('redis://') || flags.cache.startsWith('rediss://')) notYet('--cache redis://');
    throw new UsageError(`--cache must be lru or redis://..., got "${flags.cache}"`);
  }
  return {
    port: parsePort(flags.port),
    host: flags.host,
    dataDir: flags.dataDir,
    sqliteFile: sqliteFile(flags.db),
    storageDir: storageDir(flags.storage),
    logger: flags.log ?? false,
  };
}
