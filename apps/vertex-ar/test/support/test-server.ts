/**
 * Test harness: a real server on 127.0.0.1:0 with its own temporary data directory, plus helpers to
 * call it and to snapshot what it has persisted (row counts and file listing).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe } from 'node:test';
import { startServer, type RunningServer, type ServerOptions } from '../../src/index.ts';
import { createTestDatabase, POSTGRES, type TestDatabase } from './postgres.ts';

/** The databases every API test runs on (issue #8). */
export type DbKind = 'sqlite' | 'postgres';

/** A running test server. */
export interface TestServer {
  url: string;
  dataDir: string;
  db: DbKind;
  /** The PostgreSQL database of this server, when `db` is postgres. */
  pg?: TestDatabase;
  server: RunningServer;
  close(): Promise<void>;
}

/**
 * Declares the suite once per database: `name [sqlite]` and `name [postgres]`. Without a reachable
 * PostgreSQL the second is skipped with a line saying what to start, except when CI is set, where it
 * runs and fails.
 */
export function describeEachDatabase(name: string, body: (db: DbKind) => void): void {
  describe(`${name} [sqlite]`, () => body('sqlite'));
  describe(`${name} [postgres]`, { skip: POSTGRES.skipReason }, () => body('postgres'));
}

/** What the server has persisted. */
export interface Snapshot {
  rows: Record<'users' | 'clients' | 'portraits' | 'videos', number>;
  files: string[];
}

/** A parsed response. */
export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  bytes: Buffer;
}

/** Options for {@link call}. */
export interface CallOptions {
  token?: string;
  json?: unknown;
  /** Raw body (string, FormData, Buffer). */
  body?: BodyInit;
  headers?: Record<string, string>;
}

/** Starts a server with a fresh data directory (and, on PostgreSQL, a fresh database dropped at close). */
export async function startTestServer(options: Partial<ServerOptions> = {}, db: DbKind = 'sqlite'): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vertex-ar-test-'));
  const pg = db === 'postgres' ? await createTestDatabase() : undefined;
  let server: RunningServer;
  try {
    server = await startServer({ host: '127.0.0.1', port: 0, logger: false, ...options, postgresUrl: pg?.url, dataDir });
  } catch (err) {
    await pg?.drop();
    throw err;
  }
  return {
    url: server.url,
    dataDir,
    db,
    pg,
    server,
    async close() {
      await server.close();
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Sends one request and reads the whole response. */
export async function call(t: TestServer, method: string, path: string, options: CallOptions = {}): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const res = await fetch(t.url + path, { method, headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  const parsed = type.includes('application/json') && bytes.length ? JSON.parse(bytes.toString('utf8')) : bytes.toString('utf8');
  return { status: res.status, headers: res.headers, body: parsed, bytes };
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) out.push(rel + '/', ...(await listFiles(join(dir, entry.name), rel + '/')));
    // The SQLite WAL and shared-memory files change size with every read; the jwt secret is fixed.
    else if (!/\.sqlite(-wal|-shm)?$/.test(entry.name)) out.push(rel);
  }
  return out.sort();
}

/** Row counts of every table and every file under the data directory. */
export async function snapshot(t: TestServer): Promise<Snapshot> {
  if (t.pg) return { rows: await t.pg.rowCounts(), files: await listFiles(t.dataDir) };
  const db = new Database(join(t.dataDir, 'vertex-ar.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const count = (table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    return {
      rows: { users: count('users'), clients: count('clients'), portraits: count('portraits'), videos: count('videos') },
      files: await listFiles(t.dataDir),
    };
  } finally {
    db.close();
  }
}

let userCounter = 0;

/** Registers and logs in a fresh user; returns its token and id. */
export async function newUser(t: TestServer, name?: string): Promise<{ token: string; id: number; username: string }> {
  const username = name ?? `user${process.pid}x${++userCounter}`;
  const reg = await call(t, 'POST', '/auth/register', { json: { username, email: `${username}@example.com`, password: 'correct-horse' } });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const login = await call(t, 'POST', '/auth/login', { json: { username, password: 'correct-horse' } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  return { token: login.body.access_token, id: reg.body.id, username };
}

/** Creates a client for the token's user and returns its id. */
export async function newClient(t: TestServer, token: string, name = 'Ada'): Promise<number> {
  const res = await call(t, 'POST', '/clients', { token, json: { name } });
  if (res.status !== 201) throw new Error(`create client failed: ${res.status}`);
  return res.body.id;
}
