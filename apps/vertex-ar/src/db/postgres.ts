/**
 * The PostgreSQL engine: kysely over a sized `pg` pool. Waiting for a connection is measured; a wait
 * longer than the acquire timeout becomes a 503 (VERTEX_ERR_UNAVAILABLE) and is counted, so an
 * overloaded database sheds load instead of queueing requests without bound.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, type LogConfig } from 'kysely';
import { VertexError } from '../errors.ts';
import type { AppMetrics } from '../metrics/metrics.ts';
import type { DatabaseSchema } from './schema.ts';

/** Options of {@link openPostgres}. */
export interface PostgresOptions {
  /** `postgres://user@host:port/db`. */
  url: string;
  /** Connections in the pool (per process); default 10. */
  poolSize?: number;
  /** How long a query waits for a free connection before a 503, in ms; default 5000. */
  acquireTimeoutMs?: number;
  metrics?: Pick<AppMetrics, 'dbPoolWait' | 'dbPoolExhausted'>;
  log?: LogConfig;
}

/** Opens a pooled PostgreSQL kysely instance (connections are made on first use). */
export function openPostgres(options: PostgresOptions): Kysely<DatabaseSchema> {
  const size = options.poolSize ?? 10;
  const pool = new pg.Pool({ connectionString: options.url, max: size, connectionTimeoutMillis: options.acquireTimeoutMs ?? 5000 });
  // An idle client that loses its server emits 'error' on the pool; unhandled, it would kill the process.
  pool.on('error', () => {});
  const metrics = options.metrics;
  const instrumented = {
    async connect() {
      const started = performance.now();
      try {
        const client = await pool.connect();
        metrics?.dbPoolWait.observe((performance.now() - started) / 1000);
        return client;
      } catch (err) {
        // pg-pool reports both a full pool and an unreachable server as a connect timeout; only the
        // first is exhaustion, and both are a 503 to the client.
        const timedOut = /timeout exceeded when trying to connect/i.test((err as Error).message);
        if (timedOut && pool.totalCount >= size) metrics?.dbPoolExhausted.inc();
        if (timedOut) throw new VertexError('VERTEX_ERR_UNAVAILABLE', 'database busy: no connection free within the acquire timeout; retry shortly', { cause: err });
        throw err;
      }
    },
    end: () => pool.end(),
  };
  return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: instrumented }), log: options.log });
}
