/**
 * Test harness for the web UI: runs `runWithWebUi` in-process on 127.0.0.1:0 with a user script written to a temporary
 * directory, reads the printed URL, and ends it as SIGINT would. Shared by the HTTP-level and browser tests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toRunOptions } from '../../src/cli/options.ts';
import { runWithWebUi } from '../../src/cli/web-command.ts';
import type { LogLevel } from '../../src/logger.ts';

/** A web UI under test. */
export interface WebHarness {
  /** Base URL, e.g. http://127.0.0.1:43125/ */
  url: string;
  port: number;
  dir: string;
  /** Lines the command printed. */
  out: string[];
  logs: Array<{ level: LogLevel; message: string; source?: string }>;
  /** Sends the "signal" and resolves the exit code (the temporary directory is removed). */
  stop(): Promise<number>;
}

/** An HttpUser script hitting the Vertex AR health and landing pages, plus a hostile request name. */
export const VERTEX_SCRIPT = `
import { HttpUser, between, task } from 'stampede-load';
export class Visitor extends HttpUser {
  static override waitTime = between(0.02, 0.1);
  @task(3) async live() { await this.client.get('/health/live'); }
  @task(1) async home() { await this.client.get('/'); }
}
export class Prober extends HttpUser {
  static override weight = 1;
  static override waitTime = between(0.05, 0.2);
  @task async hostile() {
    await this.client.get('/health/live', { name: '<img src=x onerror=alert(1)>' });
    this.log.info('probe <script>alert(2)</script>');
    console.log('console probe <script>alert(4)</script>');
  }
  @task async missing() { await this.client.get('/missing-page'); }
  @task async thrower() { throw new Error('boom <img src=y onerror=alert(3)>'); }
}
`;

/** Starts the web UI for the script source `script` against `host`; `raw` takes command-line option values (camelCase). */
export async function startWebHarness(script: string, host: string, raw: Record<string, unknown> = {}): Promise<WebHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-web-'));
  const file = path.join(dir, 'users.ts');
  writeFileSync(file, script);
  return startWebHarnessForFile(file, host, raw, dir);
}

/** Same for a script file; `tmpDir`, when given, is removed at stop. */
export async function startWebHarnessForFile(file: string, host: string, raw: Record<string, unknown> = {}, tmpDir?: string): Promise<WebHarness> {
  const dir = tmpDir ?? path.dirname(file);
  const opts = toRunOptions({ locustfile: file, host, users: 3, spawnRate: 10, webPort: 0, threads: 1, stopTimeout: '1s', ...raw }, []);
  const out: string[] = [];
  const logs: WebHarness['logs'] = [];
  let signal: () => void = () => {};
  let printed: (url: string) => void = () => {};
  const urlPrinted = new Promise<string>((resolve) => (printed = resolve));
  const exit = runWithWebUi(opts, {
    logger: { log: (level, message, source) => logs.push({ level, message, source }) },
    out: (line) => {
      out.push(line);
      const m = /Web UI: (\S+)/.exec(line);
      if (m) printed(m[1]!);
    },
    onSignal: (handler) => (signal = handler),
  });
  const url = await Promise.race([urlPrinted, exit.then((code) => Promise.reject(new Error(`web UI exited with ${code} before printing its URL`)))]);
  return {
    url,
    port: Number(new URL(url).port),
    dir,
    out,
    logs,
    stop: async () => {
      signal();
      try {
        return await exit;
      } finally {
        if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
      }
    },
  };
}

/** A raw answer. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with full control of the headers (fetch may not set Host). */
export function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The per-process token the page carries. */
export async function pageToken(baseUrl: string, headers: Record<string, string> = {}): Promise<string> {
  const page = await rawRequest(baseUrl, { headers });
  const m = /<meta name="stampede-token" content="([^"]+)">/.exec(page.body);
  if (!m) throw new Error('no token in the page');
  return m[1]!;
}

/** POSTs a JSON action with the token. */
export async function action(baseUrl: string, route: string, token: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(new URL(route, baseUrl).href, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-stampede-token': token, ...headers },
    body: JSON.stringify(body),
  });
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
