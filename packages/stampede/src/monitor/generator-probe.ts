/**
 * The load generator itself (this process): CPU from process.cpuUsage (all threads), RSS and heap, main-thread
 * event-loop delay (perf_hooks.monitorEventLoopDelay) and GC pauses (PerformanceObserver 'gc').
 */
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import { ProcessCpuSampler } from './process-cpu.ts';
import type { Probe, SampleFields } from './types.ts';

/** Options of a GeneratorProbe. */
export interface GeneratorProbeOptions {
  /** Event-loop delay sampling period, ms (default 20: ~0.2 % of a core; 10 costs ~0.4 %). */
  loopResolutionMs?: number;
}

export class GeneratorProbe implements Probe {
  readonly #cpu = new ProcessCpuSampler();
  readonly #loop: IntervalHistogram;
  readonly #gc: PerformanceObserver;
  #gcPauseMs = 0;

  constructor(options: GeneratorProbeOptions = {}) {
    this.#loop = monitorEventLoopDelay({ resolution: options.loopResolutionMs ?? 20 });
    this.#loop.enable();
    this.#gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.#gcPauseMs += entry.duration;
    });
    this.#gc.observe({ entryTypes: ['gc'] });
  }

  /** `intervalS` 0 sets the baseline; otherwise the CPU share is over the time since the last read on this thread
   * (with a threaded sampler this read happens when the sample arrives, not when /proc was read). */
  read(intervalS: number): SampleFields {
    const cpuPct = this.#cpu.sample();
    const mem = process.memoryUsage();
    // The histogram is in ns; with no loop turn yet it reports 0 (not the NaN of an empty percentile).
    const lagMs = this.#loop.count > 0 ? this.#loop.percentile(99) / 1e6 : 0;
    this.#loop.reset();
    const gcMs = this.#gcPauseMs;
    this.#gcPauseMs = 0;
    return {
      gen_cpu_pct: intervalS > 0 ? Math.round(cpuPct * 10) / 10 : 0,
      gen_rss_bytes: mem.rss,
      gen_heap_used_bytes: mem.heapUsed,
      gen_loop_lag_p99_ms: Math.round(lagMs * 100) / 100,
      gen_gc_pause_ms: Math.round(gcMs * 100) / 100,
    };
  }

  close(): void {
    this.#loop.disable();
    this.#gc.disconnect();
  }
}
