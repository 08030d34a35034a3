/**
 * Real Prometheus, Alertmanager, Pushgateway and node_exporter processes on loopback for the observability tier:
 * free ports, temporary directories, readiness waits, and teardown by child handle (never by name).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A started process with its address and scratch directory. */
export interface StackProcess {
  name: string;
  url: string;
  dir: string;
  output: () => string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the processes take their port as a flag, not 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `check` every 250 ms until it returns a value, or throws after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

/**
 * Starts `cmd` with `args(port, dir)` and waits until `readyPath` answers 200.
 * @param readyPath e.g. `/-/ready`
 */
export async function startProcess(name: string, cmd: string, args: (port: number, dir: string) => string[], readyPath: string): Promise<StackProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), `stampede-${name}-`));
  const port = await freePort();
  const child: ChildProcess = spawn(cmd, args(port, dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const proc: StackProcess = {
    name,
    url,
    dir,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killTimer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(`${name} ready at ${url}${readyPath}`, 20_000, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${output}`);
      const res = await fetch(url + readyPath);
      await res.arrayBuffer();
      return res.ok ? true : undefined;
    });
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return proc;
}

/** One instant query through Prometheus' HTTP API: the result vector. */
export async function promQuery(prometheusUrl: string, query: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> }; error?: string };
  if (body.status !== 'success') throw new Error(`query ${query}: ${body.error}`);
  return body.data.result;
}
