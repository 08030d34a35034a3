/**
 * The system tab's figures: this process's CPU (all threads), memory and main-thread event-loop delay, and the
 * `--monitor-pid` process's CPU and RSS read straight from /proc (~0.5 ms a read). Sampled once a second.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { parsePidStat } from '../monitor/proc-parse.ts';
import { ProcessCpuSampler } from '../monitor/process-cpu.ts';
import type { SystemSample } from './api-types.ts';

/** Linux USER_HZ: /proc times are in 1/100 s on every architecture Node supports. */
const CLOCK_TICKS_PER_S = 100;

/** CPU time (s) and RSS (bytes) of a process from /proc, or undefined when it is gone or /proc is absent. */
export function readProcStat(pid: number, procRoot = '/proc'): { cpuS: number; rssBytes: number } | undefined {
  try {
    const stat = parsePidStat(readFileSync(`${procRoot}/${pid}/stat`, 'latin1'));
    if (!stat) return undefined;
    // RSS from status (kB), not stat's pages: no page size to guess.
    const status = readFileSync(`${procRoot}/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
    return { cpuS: stat.cpuTicks / CLOCK_TICKS_PER_S, rssBytes: rssKb * 1024 };
  } catch {
    return undefined;
  }
}

/** Options of a SystemSampler. */
export interface SystemSamplerOptions {
  /** Process to sample besides this one (`--monitor-pid`). */
  monitorPid?: number;
  /** The worst user thread's event-loop lag p99 (ms), read at each sample. */
  threadLoopLagMs?: () => number;
}

/** Takes one sample per call; rates are over the time since the previous call. */
export class SystemSampler {
  readonly #o: SystemSamplerOptions;
  readonly #loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  readonly #cpu = new ProcessCpuSampler();
  #lastTarget: { cpuS: number; at: number } | undefined;
  #latest: SystemSample;

  constructor(options: SystemSamplerOptions = {}) {
    this.#o = options;
    this.#loop.enable();
    this.#latest = this.sample();
  }

  /** The last sample taken. */
  get latest(): SystemSample {
    return this.#latest;
  }

  /** Takes a sample now. */
  sample(): SystemSample {
    const now = performance.now();
    const mem = process.memoryUsage();
    const loopLagP99Ms = this.#loop.count > 0 ? this.#loop.percentile(99) / 1e6 : 0;
    this.#loop.reset();
    const cpuPct = round1(this.#cpu.sample());
    const threadLoopLagP99Ms = Math.round((this.#o.threadLoopLagMs?.() ?? 0) * 100) / 100;
    this.#latest = {
      time: Date.now(),
      generatorCpuPct: cpuPct,
      generatorRssBytes: mem.rss,
      generatorHeapUsedBytes: mem.heapUsed,
      loopLagP99Ms: Math.round(loopLagP99Ms * 100) / 100,
      threadLoopLagP99Ms,
      // The report's rule (generator.saturated), issue 12: a user thread late by 50 ms at p99, or CPU near all cores.
      generatorSaturated: threadLoopLagP99Ms > 50 || cpuPct > 90 * os.availableParallelism(),
      target: this.#sampleTarget(now),
    };
    return this.#latest;
  }

  #sampleTarget(now: number): SystemSample['target'] {
    const pid = this.#o.monitorPid;
    if (pid === undefined) return null;
    const s = readProcStat(pid);
    if (!s) {
      this.#lastTarget = undefined;
      return null;
    }
    const prev = this.#lastTarget;
    this.#lastTarget = { cpuS: s.cpuS, at: now };
    const cpuPct = prev && now > prev.at ? (100 * (s.cpuS - prev.cpuS)) / ((now - prev.at) / 1000) : 0;
    return { pid, cpuPct: round1(Math.max(0, cpuPct)), rssBytes: s.rssBytes };
  }

  /** Stops the event-loop monitor. */
  close(): void {
    this.#loop.disable();
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
