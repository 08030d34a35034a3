/**
 * CPU use of this process (all threads) between samples, in percent of one core; keeps the maximum. The one
 * self-CPU sampler: the run's generator figures, the web UI's system tab and the monitor's generator probe.
 */
export class ProcessCpuSampler {
  #last = process.cpuUsage();
  #lastAt = performance.now();
  maxPct = 0;

  sample(): number {
    const now = performance.now();
    const usage = process.cpuUsage(this.#last);
    this.#last = process.cpuUsage();
    const wallUs = (now - this.#lastAt) * 1000;
    this.#lastAt = now;
    const pct = wallUs > 0 ? (100 * (usage.user + usage.system)) / wallUs : 0;
    this.maxPct = Math.max(this.maxPct, pct);
    return pct;
  }
}
