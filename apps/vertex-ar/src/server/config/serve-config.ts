/**
 * Turns `serve` flags into server options and tuning. Every value is checked here, so a bad flag is a
 * one-line usage error (exit 2) before anything starts.
 */
import { isAbsolute, join } from 'node:path';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { parseS3Url } from '../../storage/s3-url.ts';
import type { ServerOptions } from '../process/start-server.ts';
import { PRESETS, resolveTuning, type PresetName, type TuningFlags } from './tuning.ts';

/** Raw `serve` flags as commander gives them (strings, after env fallbacks). */
export interface ServeFlags {
  port: string;
  host: string;
  dataDir: string;
  workers?: string;
  preset?: string;
  keepAliveTimeout?: string;
  concurrency?: string;
  backlog?: string;
  gracefulTimeout?: string;
  db?: string;
  dbPoolSize?: string;
  dbAcquireTimeout?: string;
  slowQueryMs?: string;
  cache?: string;
  cacheSize?: string;
  cacheTtl?: string;
  cacheTimeoutMs?: string;
  cacheBreakerThreshold?: string;
  cacheBreakerCooldownMs?: string;
  storage?: string;
  log?: boolean;
}

/** The AWS settings the CLI read from the environment (AWS_ENDPOINT_URL, AWS_REGION, ...). */
export interface AwsEnvironment {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
}

/** A flag value we cannot use; the CLI prints `message` and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function integer(flag: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`${flag} must be an integer ${min}-${max}, got "${value}"`);
  return n;
}

function seconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n > 86_400) throw new UsageError(`${flag} must be a number of seconds 0-86400, got "${value}"`);
  return Math.round(n * 1000);
}

function database(db: string | undefined): Pick<ServerOptions, 'sqliteFile' | 'postgresUrl'> {
  if (db === undefined || db === '') return {};
  if (/^postgres(ql)?:\/\/./.test(db)) return { postgresUrl: db };
  if (!db.startsWith('sqlite:') || db.length === 'sqlite:'.length) {
    throw new UsageError(`--db must be sqlite:FILE or postgres://..., got "${db}"`);
  }
  const file = db.slice('sqlite:'.length);
  return { sqliteFile: isAbsolute(file) ? file : join(process.cwd(), file) };
}

function storage(value: string | undefined, aws: AwsEnvironment): Pick<ServerOptions, 'storageDir' | 's3'> {
  if (value === undefined || value === '') return {};
  if (value.startsWith('s3://')) {
    let parsed;
    try {
      parsed = parseS3Url(value);
    } catch (err) {
      throw new UsageError(`--storage: ${(err as Error).message}`);
    }
    const client: S3ClientConfig = { region: aws.region ?? 'us-east-1' };
    // A custom endpoint (MinIO, s3rver, LocalStack) rarely has wildcard DNS for bucket subdomains.
    if (aws.endpoint) Object.assign(client, { endpoint: aws.endpoint, forcePathStyle: aws.forcePathStyle ?? true });
    return { s3: { ...parsed, client } };
  }
  if (!value.startsWith('local:') || value.length === 'local:'.length) {
    throw new UsageError(`--storage must be local:DIR or s3://BUCKET, got "${value}"`);
  }
  return { storageDir: value.slice('local:'.length) };
}

function tuningFlags(flags: ServeFlags): TuningFlags {
  if (flags.preset !== undefined && !(flags.preset in PRESETS)) {
    throw new UsageError(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got "${flags.preset}"`);
  }
  return {
    preset: flags.preset as PresetName | undefined,
    workers: flags.workers === 'auto' ? 'auto' : integer('--workers (or "auto")', flags.workers, 1, 256),
    keepAliveTimeoutMs: seconds('--keep-alive-timeout', flags.keepAliveTimeout),
    concurrencyLimit: integer('--concurrency', flags.concurrency, 0),
    backlog: integer('--backlog', flags.backlog, 1, 65_535),
    gracefulShutdownTimeoutMs: seconds('--graceful-timeout', flags.gracefulTimeout),
  };
}

type CacheOptions = Pick<ServerOptions, 'cacheUrl' | 'cacheMaxEntries' | 'cacheTtlMs' | 'cacheTimeoutMs' | 'cacheBreakerThreshold' | 'cacheBreakerCooldownMs'>;

function cache(flags: ServeFlags): CacheOptions {
  const url = flags.cache;
  if (url !== undefined && url !== '' && url !== 'lru' && url !== 'none' && !/^rediss?:\/\/./.test(url)) {
    throw new UsageError(`--cache must be lru, none or redis://..., got "${url}"`);
  }
  return {
    cacheUrl: url && url !== 'lru' ? url : undefined,
    cacheMaxEntries: integer('--cache-size', flags.cacheSize, 1),
    cacheTtlMs: seconds('--cache-ttl', flags.cacheTtl),
    cacheTimeoutMs: integer('--cache-timeout-ms', flags.cacheTimeoutMs, 1, 60_000),
    cacheBreakerThreshold: integer('--cache-breaker-threshold', flags.cacheBreakerThreshold, 1, 1_000_000),
    cacheBreakerCooldownMs: integer('--cache-breaker-cooldown-ms', flags.cacheBreakerCooldownMs, 1, 3_600_000),
  };
}

/** Validates flags and maps them to {@link ServerOptions}; throws {@link UsageError}. */
export function serveOptionsFromFlags(flags: ServeFlags, aws: AwsEnvironment = {}): ServerOptions {
  const port = integer('--port', flags.port, 0, 65_535) ?? 8000;
  return {
    port,
    host: flags.host,
    dataDir: flags.dataDir,
    ...database(flags.db),
    poolSize: integer('--db-pool-size', flags.dbPoolSize, 1, 10_000),
    acquireTimeoutMs: integer('--db-acquire-timeout', flags.dbAcquireTimeout, 1),
    slowQueryMs: flags.slowQueryMs === '-1' ? -1 : integer('--slow-query-ms', flags.slowQueryMs, 0),
    ...storage(flags.storage, aws),
    ...cache(flags),
    tuning: resolveTuning(tuningFlags(flags)),
    logger: flags.log ?? false,
  };
}
