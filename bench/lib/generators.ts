/**
 * The load generators of the benchmark, each run as its own process pinned to the generator core, each returning
 * what it measured (requests/s, latency percentiles, peak RSS). A generator that fails throws: no figure is
 * invented from a failed run.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult } from './proc.ts';

/** Where generators run and write scratch files. */
export interface GenContext {
  root: string;
  tmp: string;
  cpu?: number;
}

/** What one generator run measured. */
export interface Measured {
  rps: number;
  requests: number;
  failures: number;
  p50Ms?: number;
  p99Ms?: number;
  peakRssMiB?: number;
}

const STAMPEDE = 'packages/stampede/bin/stampede.js';

function check(name: string, r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`${name} exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return r;
}

function readReport(file: string): any {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file, { force: true });
  return report;
}

function fromReport(report: any, r: RunResult): Measured {
  const t = report.totals;
  return {
    rps: t.rps,
    requests: t.requests,
    failures: t.failures,
    p50Ms: t.latency_ms.p50,
    p99Ms: t.latency_ms.p99,
    ...(r.peakRssKiB ? { peakRssMiB: r.peakRssKiB / 1024 } : {}),
  };
}

/** `stampede quick` on one thread (the generator core). */
export async function stampedeQuick(ctx: GenContext, url: string, o: { connections: number; seconds: number; rate?: number; args?: string[] }): Promise<Measured> {
  const json = join(ctx.tmp, `quick-${process.hrtime.bigint()}.json`);
  const args = [STAMPEDE, 'quick', url, '-c', String(o.connections), '-d', `${o.seconds}s`, '--threads', '1', '--json', json, ...(o.args ?? [])];
  if (o.rate) args.push('--rate', String(o.rate));
  const r = check('stampede quick', await run('node', args, { cpu: ctx.cpu, cwd: ctx.root, timeoutMs: (o.seconds + 30) * 1000 }));
  return fromReport(readReport(json), r);
}

/** A scripted run (`stampede -f SCRIPT --headless`) on one thread, with its peak RSS. */
export async function stampedeScript(
  ctx: GenContext,
  script: string,
  url: string,
  o: { users: number; spawnRate: number; seconds: number },
): Promise<Measured> {
  const json = join(ctx.tmp, `script-${process.hrtime.bigint()}.json`);
  const args = [STAMPEDE, '-f', script, '--headless', '--only-summary', '-u', String(o.users), '-r', String(o.spawnRate)];
  args.push('-t', `${o.seconds}s`, '--host', url, '--threads', '1', '--json', json);
  const r = check('stampede -f', await run('node', args, { cpu: ctx.cpu, cwd: ctx.root, sampleRss: true, timeoutMs: (o.seconds + 60) * 1000 }));
  return fromReport(readReport(json), r);
}

/** The goal-2 harness (bench/lib/scripted-lean.ts): the one-task user on the lean dispatcher. */
export async function leanScripted(ctx: GenContext, url: string, o: { users: number; seconds: number }): Promise<Measured> {
  const args = ['--import', 'tsx', 'bench/lib/scripted-lean.ts', url, String(o.users), String(o.seconds), 'lean'];
  const r = check('scripted-lean', await run('node', args, { cpu: ctx.cpu, cwd: ctx.root, timeoutMs: (o.seconds + 30) * 1000 }));
  const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  return { rps: line.rps, requests: line.requests, failures: line.failures };
}

/** autocannon (the npm dev dependency), main thread only, as its CLI runs by default. */
export async function autocannon(ctx: GenContext, url: string, o: { connections: number; seconds: number }): Promise<Measured> {
  const bin = join(ctx.root, 'node_modules/autocannon/autocannon.js');
  const args = [bin, '-c', String(o.connections), '-d', String(o.seconds), '-j', url];
  const r = check('autocannon', await run('node', args, { cpu: ctx.cpu, timeoutMs: (o.seconds + 30) * 1000 }));
  const out = JSON.parse(r.stdout);
  return { rps: out.requests.total / out.duration, requests: out.requests.total, failures: out.errors + out.non2xx };
}

/** wrk's "50%   430.00us" style values, in ms. */
function wrkMs(text: string, label: string): number | undefined {
  const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
  if (!m) return undefined;
  // Divided, not multiplied by 0.001: 236 µs is 0.236 ms, not 0.23600000000000002.
  return m[2] === 'us' ? Number(m[1]) / 1000 : Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

/** wrk (one thread) — optionally with a Lua script (and its arguments) and --latency. */
export async function wrk(
  ctx: GenContext,
  url: string,
  o: { connections: number; seconds: number; script?: string; scriptArgs?: string[]; latency?: boolean },
): Promise<Measured> {
  const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`];
  if (o.script) args.push('-s', o.script);
  if (o.latency) args.push('--latency');
  args.push(url);
  if (o.scriptArgs) args.push('--', ...o.scriptArgs);
  const r = check('wrk', await run('wrk', args, { cpu: ctx.cpu, cwd: ctx.root, timeoutMs: (o.seconds + 30) * 1000 }));
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  const total = /(\d+) requests in/.exec(r.stdout);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout);
  if (!rps || !total) throw new Error(`wrk output not understood: ${r.stdout.slice(0, 200)}`);
  return { rps: Number(rps[1]), requests: Number(total[1]), failures: errors ? Number(errors[1]) : 0, p50Ms: wrkMs(r.stdout, '50%'), p99Ms: wrkMs(r.stdout, '99%') };
}

/** Locust headless (one process), requests/s from its stats CSV, with its peak RSS. */
export async function locust(ctx: GenContext, locustBin: string, file: string, url: string, o: { users: number; spawnRate: number; seconds: number }): Promise<Measured> {
  const prefix = join(ctx.tmp, `locust-${process.hrtime.bigint()}`);
  const args = ['-f', file, '--headless', '--only-summary', '-u', String(o.users), '-r', String(o.spawnRate), '-t', `${o.seconds}s`];
  args.push('--host', url, '--csv', prefix, '--loglevel', 'WARNING');
  const r = await run(locustBin, args, { cpu: ctx.cpu, cwd: ctx.root, sampleRss: true, timeoutMs: (o.seconds + 60) * 1000 });
  let csv: string;
  try {
    csv = readFileSync(`${prefix}_stats.csv`, 'utf8');
  } catch {
    throw new Error(`locust wrote no stats (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  }
  for (const suffix of ['_stats.csv', '_stats_history.csv', '_failures.csv', '_exceptions.csv']) rmSync(`${prefix}${suffix}`, { force: true });
  const [header, ...rows] = csv.trim().split('\n').map((l) => l.split(','));
  const total = rows.find((row) => row.includes('Aggregated'))!;
  const col = (name: string) => Number(total[header!.findIndex((h) => h.replace(/"/g, '') === name)]);
  return {
    rps: col('Requests/s'),
    requests: col('Request Count'),
    failures: col('Failure Count'),
    ...(r.peakRssKiB ? { peakRssMiB: r.peakRssKiB / 1024 } : {}),
  };
}
