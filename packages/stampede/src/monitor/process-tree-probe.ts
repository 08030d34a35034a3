/**
 * The target: a process and its descendants (a cluster primary and its workers) by PID, from /proc/PID/stat
 * (CPU ticks, threads, RSS) and /proc/PID/fd (open files). Descendants are found from every /proc/N/stat's ppid,
 * cached and refreshed every `refreshMs` (a full /proc scan costs ~100× a per-PID read).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parsePidStat, type PidStat } from './proc-parse.ts';
import type { Probe, SampleFields } from './types.ts';

/** Options of a ProcessTreeProbe. */
export interface ProcessTreeProbeOptions {
  /** Default '/proc'. */
  procRoot?: string;
  /** Rescan for descendants this often, ms (default 5000). */
  refreshMs?: number;
  /** Clock ticks per second of /proc times (sysconf(_SC_CLK_TCK)); default 100, Linux's USER_HZ. */
  ticksPerS?: number;
  /** Monotonic ms, for the refresh timing (default performance.now). */
  now?: () => number;
}

/** The page size, inferred once from this process: /proc/self/stat RSS pages against process.memoryUsage().rss. */
function inferPageSize(root: string): number {
  try {
    const stat = parsePidStat(readFileSync(`${root}/self/stat`, 'latin1'));
    const rss = process.memoryUsage().rss;
    if (stat && stat.rssPages > 0) {
      const ratio = rss / stat.rssPages;
      return [4096, 16384, 65536].reduce((best, p) => (Math.abs(p - ratio) < Math.abs(best - ratio) ? p : best), 4096);
    }
  } catch {}
  return 4096;
}

/** Every PID under `root` mapped to its parent PID (processes that vanish mid-scan are left out). */
export function scanParents(root = '/proc'): Map<number, number> {
  const parents = new Map<number, number>();
  for (const name of readdirSync(root)) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    try {
      const stat = parsePidStat(readFileSync(`${root}/${name}/stat`, 'latin1'));
      if (stat) parents.set(stat.pid, stat.ppid);
    } catch {}
  }
  return parents;
}

/** `pid` and all its descendants, given a pid → ppid map. */
export function descendantsOf(pid: number, parents: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [child, parent] of parents) {
    const list = children.get(parent);
    if (list) list.push(child);
    else children.set(parent, [child]);
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** Samples a process tree; fields are null once the root process has gone. */
export class ProcessTreeProbe implements Probe {
  readonly #root: string;
  readonly #refreshMs: number;
  readonly #ticksPerS: number;
  readonly #now: () => number;
  readonly #pageSize: number;
  #pids: number[] = [];
  #refreshedAt = -Infinity;
  /** Previous CPU ticks by PID: a PID seen for the first time contributes nothing until its next read. */
  #ticks = new Map<number, number>();

  constructor(readonly pid: number, options: ProcessTreeProbeOptions = {}) {
    this.#root = options.procRoot ?? '/proc';
    this.#refreshMs = options.refreshMs ?? 5000;
    this.#ticksPerS = options.ticksPerS ?? 100;
    this.#now = options.now ?? (() => performance.now());
    this.#pageSize = inferPageSize(this.#root);
    this.read(0);
  }

  read(intervalS: number): SampleFields {
    if (this.#now() - this.#refreshedAt >= this.#refreshMs) {
      this.#pids = descendantsOf(this.pid, scanParents(this.#root));
      this.#refreshedAt = this.#now();
    }
    const stats = this.#pids.map((p) => this.#stat(p)).filter((s): s is PidStat => s !== undefined);
    if (!stats.some((s) => s.pid === this.pid)) return { target_processes: null, target_cpu_pct: null, target_rss_bytes: null, target_open_files: null, target_threads: null };
    let ticks = 0;
    const next = new Map<number, number>();
    for (const s of stats) {
      const before = this.#ticks.get(s.pid);
      if (before !== undefined) ticks += Math.max(0, s.cpuTicks - before);
      next.set(s.pid, s.cpuTicks);
    }
    this.#ticks = next;
    return {
      target_processes: stats.length,
      target_cpu_pct: intervalS > 0 ? Math.round((1000 * ticks) / this.#ticksPerS / intervalS) / 10 : 0,
      target_rss_bytes: stats.reduce((a, s) => a + s.rssPages * this.#pageSize, 0),
      target_open_files: stats.reduce((a, s) => a + this.#openFiles(s.pid), 0),
      target_threads: stats.reduce((a, s) => a + s.threads, 0),
    };
  }

  #stat(pid: number): PidStat | undefined {
    try {
      return parsePidStat(readFileSync(`${this.#root}/${pid}/stat`, 'latin1'));
    } catch {
      return undefined;
    }
  }

  #openFiles(pid: number): number {
    try {
      return readdirSync(`${this.#root}/${pid}/fd`).length;
    } catch {
      return 0;
    }
  }
}
