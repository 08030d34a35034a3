/** Runs `vertex-ar serve` as a child process (the real CLI, cluster and all) and talks to it over fresh connections. */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../bin/vertex-ar.js', import.meta.url).pathname;

/** A running `vertex-ar serve`. */
export interface CliServer {
  url: string;
  child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr matches `re`. */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Spawns `vertex-ar serve --port 0 --data-dir <tmp> ...args` and waits for its listening line. With `ownDataDir` the
 * server uses that directory and `stop()` leaves it in place (a restart on the same data).
 */
export async function startCli(args: string[], env: Record<string, string> = {}, startTimeoutMs = 90_000, ownDataDir?: string): Promise<CliServer> {
  const dataDir = ownDataDir ?? await mkdtemp(join(tmpdir(), 'vertex-ar-cli-'));
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within ${startTimeoutMs} ms: ${out} ${err}`)), startTimeoutMs);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code} before listening: ${err}`)));
  });
  const waitForStderr = (re: RegExp, timeoutMs = 30_000) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stderr never matched ${re}: ${err}`)), timeoutMs);
    const check = () => {
      if (!re.test(err)) return;
      clearTimeout(timer);
      child.stderr!.off('data', check);
      resolve();
    };
    child.stderr!.on('data', check);
    check();
  });
  return {
    url, child, waitForStderr, stdout: () => out, stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (!ownDataDir) await rm(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** A response read whole. */
export interface FreshResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request on a new connection (`agent: false`), so the cluster's round-robin spreads consecutive
 * calls over the workers.
 */
export function fresh(url: string, method = 'GET', options: { body?: string; token?: string } = {}): Promise<FreshResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const req = request(url, { method, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Registers and logs in a user over fresh connections; returns the token. */
export async function cliUser(url: string, username: string): Promise<string> {
  const reg = await fresh(`${url}/auth/register`, 'POST', { body: JSON.stringify({ username, email: `${username}@example.com`, password: 'correct-horse' }) });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${reg.body}`);
  const login = await fresh(`${url}/auth/login`, 'POST', { body: JSON.stringify({ username, password: 'correct-horse' }) });
  return JSON.parse(login.body).access_token;
}
