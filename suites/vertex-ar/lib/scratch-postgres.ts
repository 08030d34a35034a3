/**
 * A scratch PostgreSQL database for the database test's direct phase: created on the server named with
 * `--option postgres=URL` (the URL's database is only where CREATE DATABASE is issued) and dropped afterwards, so the
 * deployment's own data is never touched. The role needs CREATEDB.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A created database: its URL, and how to drop it. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

async function onServer<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates `vertex_suite_<random>` on the server of `serverUrl`. */
export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const name = `vertex_suite_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, (c) => c.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer(serverUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
