/**
 * PostgreSQL for tests: one fresh database per test server, dropped at close. The server is expected on
 * 127.0.0.1:5432 with trust auth for user postgres (VERTEX_TEST_PG_URL overrides the admin URL).
 */
import pg from 'pg';

const ADMIN_URL = process.env.VERTEX_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const START_HINT = 'PostgreSQL is not reachable on 127.0.0.1:5432 (user postgres, trust auth); start it ' +
  '(e.g. `pg_ctlcluster 15 main start`) to run the PostgreSQL variant';

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return `${START_HINT} (${(err as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

const unreachable = await probe();
if (unreachable && !process.env.CI) process.stderr.write(`# skipping PostgreSQL variants: ${unreachable}\n`);

/** Whether the PostgreSQL variants run; when CI is set they always do (and fail without a server). */
export const POSTGRES: { skipReason: string | false } = { skipReason: unreachable && !process.env.CI ? unreachable : false };

/** A database created for one test server. */
export interface TestDatabase {
  url: string;
  name: string;
  /** Row counts of the API tables. */
  rowCounts(): Promise<Record<'users' | 'clients' | 'portraits' | 'videos', number>>;
  /** Drops the database (closing any connection left on it). */
  drop(): Promise<void>;
}

let counter = 0;

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect().catch((err: Error) => {
    throw new Error(`${START_HINT}: ${err.message}`);
  });
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database named after this process, unique per call. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `vertex_test_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async rowCounts() {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const { rows } = await client.query(`select
          (select count(*) from users)::int as users, (select count(*) from clients)::int as clients,
          (select count(*) from portraits)::int as portraits, (select count(*) from videos)::int as videos`);
        return rows[0];
      } finally {
        await client.end();
      }
    },
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
