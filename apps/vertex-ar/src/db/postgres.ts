/**
 * The PostgreSQL engine: kysely over a sized `pg` pool. Waiting for a connection is measured; a wait
 * longer than the acquire timeout becomes a 503 (VERTEX_ERR_UNAVAILABLE) and is counted, so an
 * overloaded database sheds load instead of queueing requests without bound.
 *
 * A lost database (issue 19) is never fatal: every pooled client carries an 'error' listener for its whole life
 * (pg-pool listens only while a client is idle, and an 'error' event with no listener kills the process), and a
 * query or a connect that fails because the connection failed becomes a 503 VERTEX_ERR_DB_UNAVAILABLE. pg-pool
 * drops a client whose connection broke when it is released, so the pool reconnects on the next request.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, type LogConfig, type PostgresPoolClient } from 'kysely';
import { VertexError } from '../errors.ts';
import type { AppMetrics } from '../metrics/metrics.ts';
import { databaseUnavailable, isConnectionError } from './connection-errors.ts';
import type { DatabaseSchema } from './schema.ts';

/** Options of {@link openPostgres}. */
export interface PostgresOptions {
  /** `postgres://user@host:port/db`. */
  url: string;
  /** Connections in the pool (per process); default 10. */
  poolSize?: number;
  /** How long a query waits for a free connection before a 503, in ms; default 5000. */
  acquireTimeoutMs?: number;
  metrics?: Pick<AppMetrics, 'dbPoolWait' | 'dbPoolExhausted' | 'dbClientErrors' | 'dbUnavailable'>;
  log?: LogConfig;
}

type Metrics = PostgresOptions['metrics'];

/** A failure of the connection as the 503; anything else (a constraint, a syntax error) unchanged. */
function classify(err: unknown, metrics: Metrics): unknown {
  if (!isConnectionError(err)) return err;
  metrics?.dbUnavailable.inc();
  return databaseUnavailable(err);
}

/**
 * What kysely sees of a pooled client: its queries with connection failures classified. One per pg client for the
 * client's life (kysely keeps its connection object per client), so nothing is allocated per query but the catch.
 */
function wrapClient(client: pg.PoolClient, metrics: Metrics): PostgresPoolClient {
  client.on('error', () => metrics?.dbClientErrors.inc());
  const query = (sqlOrCursor: any, parameters?: readonly unknown[]): any => {
    // A cursor (streaming) is returned as is; kysely reads it and its errors reach the caller the same way.
    if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor);
    return client.query(sqlOrCursor, parameters as unknown[]).catch((err: unknown) => {
      throw classify(err, metrics);
    });
  };
  // pg-pool sets a new `release` on every checkout: call it through the client, never keep it.
  return { query, release: (destroy?: boolean) => client.release(destroy) } as PostgresPoolClient;
}

/** Opens a pooled PostgreSQL kysely instance (connections are made on first use). */
export function openPostgres(options: PostgresOptions): Kysely<DatabaseSchema> {
  const size = options.poolSize ?? 10;
  const pool = new pg.Pool({
    connectionString: options.url, max: size, connectionTimeoutMillis: options.acquireTimeoutMs ?? 5000,
    // A server that vanished without a FIN (host down, cable cut) is noticed by TCP keep-alive, not only at the next query.
    keepAlive: true,
  });
  // An idle client that loses its server emits 'error' on the pool (counted by the client's own listener).
  pool.on('error', () => {});
  const metrics = options.metrics;
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const instrumented = {
    async connect() {
      const started = performance.now();
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        // pg-pool reports both a full pool and an unreachable server as a connect timeout; only the
        // first is exhaustion, and both are a 503 to the client.
        const timedOut = /timeout exceeded when trying to connect/i.test((err as Error).message);
        if (timedOut && pool.totalCount >= size) metrics?.dbPoolExhausted.inc();
        if (timedOut) throw new VertexError('VERTEX_ERR_UNAVAILABLE', 'database busy: no connection free within the acquire timeout; retry shortly', { cause: err });
        throw classify(err, metrics);
      }
      metrics?.dbPoolWait.observe((performance.now() - started) / 1000);
      let forKysely = wrapped.get(client);
      if (!forKysely) wrapped.set(client, (forKysely = wrapClient(client, metrics)));
      return forKysely;
    },
    end: () => pool.end(),
  };
  return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: instrumented }), log: options.log });
}
