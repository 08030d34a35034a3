/**
 * The embedded target: the Vertex AR API started as a child process (`vertex-ar serve --port 0`) in a temporary
 * data directory, so the monitor sees its CPU and RSS apart from the generator's. Defaults need nothing installed:
 * SQLite, the in-process LRU cache, local disk storage. For the storage comparison, a second instance can store
 * its files in S3 on a local s3rver.
 *
 * The child dies with the suite even when the suite is SIGKILLed (parent-watch.mjs: its stdin is a pipe from the
 * suite, which ends when the suite is gone), and a data directory left behind by a run that was killed anyway is
 * removed by the next start: each names its owner's PID in a sibling `.owner` file (issue #19, item 8).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startS3 } from 'vertex-ar/test/support/s3rver.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = path.join(ROOT, 'apps/vertex-ar/bin/vertex-ar.js');
const PARENT_WATCH = new URL('./parent-watch.mjs', import.meta.url).href;
/** Prefix of the embedded API's temporary data directories. */
export const DATA_DIR_PREFIX = 'vertex-ar-suite-';
/** A data directory without an owner file (from before owner files) is left alone until it is this old, ms. */
const UNOWNED_MAX_AGE_MS = 6 * 3600_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the data directories of embedded APIs whose suite process is gone (killed before its close() ran);
 * resolves how many. Directories of a suite still running — another run on this machine — are kept.
 */
export async function removeStaleDataDirs(dir = tmpdir()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(DATA_DIR_PREFIX) || name.endsWith('.owner')) continue;
    const full = path.join(dir, name);
    const owner = Number(await readFile(`${full}.owner`, 'utf8').catch(() => 'NaN'));
    const stale = Number.isInteger(owner) && owner > 0 ? !alive(owner) : Date.now() - ((await stat(full).catch(() => undefined))?.mtimeMs ?? Date.now()) > UNOWNED_MAX_AGE_MS;
    if (!stale) continue;
    await rm(full, { recursive: true, force: true });
    await rm(`${full}.owner`, { force: true });
    removed++;
  }
  return removed;
}

/** Options of startEmbeddedApi. */
export interface EmbeddedApiOptions {
  /** Admin bootstrap credentials (ADMIN_USERNAME / ADMIN_PASSWORD of the child). */
  admin: { username: string; password: string };
  /** Extra `serve` flags, e.g. ['--storage', 's3://bucket']. */
  args?: string[];
  /** Environment of the child (PATH and friends); the admin and AWS variables are added to it. */
  env?: Record<string, string | undefined>;
  /** How long to wait for the "listening on" line, ms (default 60 000: a loaded machine is slow to load tsx). */
  startTimeoutMs?: number;
}

/** A running embedded API. */
export interface EmbeddedApi {
  url: string;
  /** The server process (the monitor's target PID). */
  pid: number;
  dataDir: string;
  /** SIGTERM, wait for the exit (SIGKILL after 10 s), remove the data directory. */
  close(): Promise<void>;
}

function waitForUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(`no "listening on" line within ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`embedded Vertex AR API did not start: ${why}${err.trim() ? ` — ${err.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
    };
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.resume();
        resolve(m[1]!);
      }
    });
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? `code ${code}`}`));
  });
}

/** Starts `vertex-ar serve` on a free port in a fresh temporary data directory. */
export async function startEmbeddedApi(o: EmbeddedApiOptions): Promise<EmbeddedApi> {
  await removeStaleDataDirs();
  const dataDir = await mkdtemp(path.join(tmpdir(), DATA_DIR_PREFIX));
  await writeFile(`${dataDir}.owner`, String(process.pid));
  const env = { ...o.env, ADMIN_USERNAME: o.admin.username, ADMIN_PASSWORD: o.admin.password, STAMPEDE_SUITE_DATA_DIR: dataDir };
  // One process, not serve's one-per-core default: the generator shares this machine's cores, where a cluster only
  // competes with the load it measures, and the leak test reads one heap. `o.args` may still ask for more.
  const args = ['--import', PARENT_WATCH, BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--slow-query-ms', '-1', '--workers', '1', ...(o.args ?? [])];
  // stdin: the parent-death watch's pipe (never written, never closed by this side while it lives).
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.on('error', () => {});
  // Never leave the server behind when this process ends without close() (a crash, a second Ctrl-C).
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  let url: string;
  try {
    url = await waitForUrl(child, o.startTimeoutMs ?? 60_000);
  } catch (error) {
    process.removeListener('exit', reap);
    await rm(dataDir, { recursive: true, force: true });
    await rm(`${dataDir}.owner`, { force: true });
    throw error;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    url,
    pid: child.pid!,
    dataDir,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      process.removeListener('exit', reap);
      await rm(dataDir, { recursive: true, force: true });
      await rm(`${dataDir}.owner`, { force: true });
    },
  };
}

/** A local S3 endpoint (s3rver) with one bucket, and the environment a `vertex-ar serve --storage s3://` needs. */
export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** AWS_* variables pointing the API's S3 client at it. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 (port 0) over a temporary directory (the app's test launcher). */
export async function startLocalS3(bucket = 'vertex-ar-suite'): Promise<LocalS3> {
  // s3rver runs in this process: its directory is owned like the API's data directories, so a suite killed before
  // close() leaves nothing the next start does not sweep.
  await removeStaleDataDirs();
  const s3 = await startS3(bucket, `${DATA_DIR_PREFIX}s3-`);
  const owner = `${s3.directory}.owner`;
  await writeFile(owner, String(process.pid));
  return {
    endpoint: s3.endpoint,
    bucket,
    env: { AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_S3_FORCE_PATH_STYLE: 'true' },
    close: async () => {
      await s3.close();
      await rm(owner, { force: true });
    },
  };
}
