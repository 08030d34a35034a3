/**
 * Process plumbing of the benchmark: run a command (optionally pinned to a core with taskset), start a target
 * and wait until it answers, sample a process's peak RSS, find tools on the machine. Nothing is installed here.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** The result of a finished command. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak resident set of the process (VmHWM), KiB, when sampled. */
  peakRssKiB?: number;
}

/** Options of run(): pin to `cpu` (taskset -c), extra env, kill after `timeoutMs`, sample peak RSS. */
export interface RunOptions {
  cpu?: number;
  env?: Record<string, string>;
  timeoutMs?: number;
  sampleRss?: boolean;
  cwd?: string;
}

/** The absolute path of a tool on PATH, or undefined. */
export function which(tool: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path !== '' ? path : undefined;
}

/** Pinning is possible (taskset present and at least two cores to split generator and target). */
export const canPin = which('taskset') !== undefined && Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) >= 2;

function pinned(cpu: number | undefined, cmd: string, args: string[]): [string, string[]] {
  return cpu === undefined || !canPin ? [cmd, args] : ['taskset', ['-c', String(cpu), cmd, ...args]];
}

function vmHwmKiB(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Run a command to its end. Under taskset the sampled PID is taskset's exec'd child (taskset execs in place). */
export function run(cmd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, argv] = pinned(options.cpu, cmd, args);
  return new Promise((resolve) => {
    const child = spawn(file, argv, { env: { ...process.env, ...options.env }, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    let peak: number | undefined;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const sampler = options.sampleRss
      ? setInterval(() => {
          const kib = vmHwmKiB(child.pid!);
          if (kib !== undefined) peak = Math.max(peak ?? 0, kib);
        }, 100)
      : undefined;
    const killer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('close', (code) => {
      if (sampler) clearInterval(sampler);
      if (killer) clearTimeout(killer);
      resolve({ code, stdout, stderr, peakRssKiB: peak });
    });
  });
}

/** A free TCP port on 127.0.0.1 (listen on 0, read it back, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** A started target: its URL and how to stop it. */
export interface Target {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Start a long-running target (pinned), wait until `probeUrl` answers 2xx (up to `readyMs`). */
export async function startTarget(
  name: string,
  cmd: string,
  args: string[],
  probeUrl: string,
  options: { cpu?: number; env?: Record<string, string>; cwd?: string; readyMs?: number } = {},
): Promise<Target> {
  const [file, argv] = pinned(options.cpu, cmd, args);
  const child: ChildProcess = spawn(file, argv, { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + (options.readyMs ?? 20_000);
  while (!(await answers(probeUrl))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start: ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no answer'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    url: probeUrl,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
