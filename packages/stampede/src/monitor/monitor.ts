/**
 * The monitor: every `intervalMs` (default 500) one sample of the machine, the target process tree, the generator
 * itself and, when the target has one, its `/metrics` — kept in a bounded ring (memory flat however long the run).
 * Ticks are scheduled against the clock (cadence.ts), and /proc is read on a worker thread by default, so the
 * cadence holds while the main thread is busy driving the load.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as Esbuild from 'esbuild';
import { systemClock, type Clock } from '../clock.ts';
import type { ReportMonitor } from '../report/report-types.ts';
import { RingBuffer } from '../stats/ring-buffer.ts';
import { nextDueMs } from './cadence.ts';
import { GeneratorProbe } from './generator-probe.ts';
import type { LeakVerdict } from './leak-detector.ts';
import { MetricsScraper, type MetricsScraperOptions } from './metrics-scraper.ts';
import { ProcessTreeProbe } from './process-tree-probe.ts';
import { SystemProbe } from './system-probe.ts';
import type { SamplerThreadData, SamplerThreadMessage } from './sampler-thread.ts';
import type { MonitorSample, Probe, SampleFields } from './types.ts';
import { requireCjs } from '../cjs.ts';
import { moduleUrl } from '../module-url.ts';

let samplerSource: string | undefined;

/**
 * The sampler thread's code, bundled once per process into one CommonJS script (~20 ms). Loading the TypeScript
 * through tsx in the worker instead took seconds on a loaded machine: a monitor that starts late misses the run.
 */
function samplerScript(): string {
  const { buildSync } = requireCjs('esbuild') as typeof Esbuild;
  samplerSource ??= buildSync({
    entryPoints: [fileURLToPath(moduleUrl('./sampler-thread', import.meta.url))],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
  }).outputFiles[0]!.text;
  return samplerSource;
}

/** Options of a Monitor. */
export interface MonitorOptions {
  clock: Clock;
  /** Sampling period, ms (default 500). */
  intervalMs?: number;
  /** Samples kept, oldest dropped first (default 28,800: four hours at 2 Hz, ~20 MB). */
  capacity?: number;
  /** The target's PID; its descendants are included. Omit for no target figures. */
  targetPid?: number;
  /** Scrape the target's Prometheus endpoint (`url`) for chosen `series`. */
  scrape?: Omit<MetricsScraperOptions, 'clock'>;
  /** Requests served so far (the load's completed requests), read at each sample for the leak fit. */
  requestsServed?: () => number;
  /** Replaces the /proc probes (tests on a fake clock). */
  probes?: Probe[];
  /**
   * Read /proc on a worker thread, so a main thread busy with the load cannot delay the ticks (default: true on the
   * system clock without custom probes). The generator's figures are read on the main thread as samples arrive.
   */
  thread?: boolean;
}

export class Monitor {
  readonly intervalMs: number;
  readonly #o: MonitorOptions;
  readonly #ring: RingBuffer<MonitorSample>;
  readonly #probes: Probe[];
  readonly #scraper: MetricsScraper | undefined;
  readonly #threaded: boolean;
  #worker: Worker | undefined;
  #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #startMs = 0;
  #lastMs = 0;
  /** Probe reads that threw (their fields are missing from that sample), and the last message. */
  probeErrors = 0;
  lastProbeError: string | undefined;
  /** The latest any tick was taken after it was due, ms (cadence check). */
  maxLateMs = 0;
  /** Requests source; may be replaced while running (a suite test swaps in each load's counter). */
  requestsServed: (() => number) | undefined;

  constructor(options: MonitorOptions) {
    this.#o = options;
    this.intervalMs = options.intervalMs ?? 500;
    this.#ring = new RingBuffer(options.capacity ?? 28_800);
    this.requestsServed = options.requestsServed;
    this.#threaded = options.thread ?? (options.probes === undefined && options.clock === systemClock);
    this.#probes = options.probes ?? [
      ...(this.#threaded ? [] : [new SystemProbe(), ...(options.targetPid !== undefined ? [new ProcessTreeProbe(options.targetPid)] : [])]),
      new GeneratorProbe(),
    ];
    this.#scraper = options.scrape ? new MetricsScraper({ ...options.scrape, clock: options.clock }) : undefined;
  }

  /** Starts sampling; the first sample is taken one interval after start. */
  start(): void {
    if (this.#loop) return;
    this.#startMs = this.#lastMs = this.#o.clock.now();
    // Baseline every counter now, so the first sample's rates cover exactly its own interval.
    for (const p of this.#probes) p.read(0);
    this.#scraper?.start(this.#startMs);
    this.#loop = this.#threaded ? this.#runThread() : this.#run();
  }

  /** Stops sampling (and scraping) and closes the probes. Samples stay readable. */
  async stop(): Promise<void> {
    this.#worker?.postMessage({ type: 'stop' });
    this.#stop.abort();
    await this.#loop;
    await this.#scraper?.stop();
    for (const p of this.#probes) p.close?.();
  }

  /** Samples oldest first, `t` in seconds since start. */
  samples(): MonitorSample[] {
    return this.#ring.toArray();
  }

  /** Samples dropped because the ring was full. */
  get droppedSamples(): number {
    return this.#ring.dropped;
  }

  /** Why the target's `/metrics` was not scraped, when it was asked for and is not there. */
  get scrapeUnavailable(): string | undefined {
    return this.#scraper?.unavailable;
  }

  /** Seconds since start on the monitor's clock. */
  elapsedS(): number {
    return (this.#o.clock.now() - this.#startMs) / 1000;
  }

  /** Takes one sample now (also used by the loop); `fields` and `atMs` come from the sampler thread. */
  sampleNow(fields: SampleFields = {}, atMs?: number): MonitorSample {
    const now = atMs ?? this.#o.clock.now();
    const intervalS = (now - this.#lastMs) / 1000;
    this.#lastMs = now;
    const sample = { t: Math.round((now - this.#startMs) / 10) / 100, ...fields } as MonitorSample;
    for (const probe of this.#probes) {
      try {
        Object.assign(sample, probe.read(intervalS));
      } catch (error) {
        // One unreadable source (a /proc race, a permission) must not end the sampling: its fields are left out.
        this.probeErrors++;
        this.lastProbeError = (error as Error).message;
      }
    }
    if (this.requestsServed) sample.requests_total = this.requestsServed();
    const scraped = this.#scraper?.takeFresh();
    if (scraped) sample.target_metrics = scraped.values;
    this.#ring.push(sample);
    return sample;
  }

  /** The report's `monitor` section: these samples (optionally those from `fromS` on, re-based) and a leak verdict. */
  toReport(leak?: LeakVerdict, fromS = 0): ReportMonitor {
    const samples = this.samples()
      .filter((s) => s.t >= fromS)
      .map((s) => ({ ...s, t: Math.round((s.t - fromS) * 100) / 100 }));
    return { interval_s: this.intervalMs / 1000, samples, ...(leak ? { leak: { ...leak } } : {}) };
  }

  /** Threaded mode: the worker posts /proc fields on its own schedule; resolves when it has stopped. */
  #runThread(): Promise<void> {
    const workerData: SamplerThreadData = { intervalMs: this.intervalMs, targetPid: this.#o.targetPid, mainTimeOrigin: performance.timeOrigin, startMs: this.#startMs };
    const worker = new Worker(samplerScript(), { eval: true, workerData });
    this.#worker = worker;
    worker.unref(); // a monitor never keeps the process alive on its own
    return new Promise((resolve) => {
      worker.on('message', (m: SamplerThreadMessage) => {
        if (m.type === 'sample') {
          this.maxLateMs = Math.max(this.maxLateMs, m.lateMs);
          this.sampleNow(m.fields as SampleFields, m.atMs);
        } else if (m.type === 'error') {
          this.probeErrors++;
          this.lastProbeError = m.message;
        } else void worker.terminate();
      });
      worker.on('error', (e) => {
        this.probeErrors++;
        this.lastProbeError = `sampler thread: ${e.message}`;
      });
      worker.once('exit', () => resolve());
    });
  }

  async #run(): Promise<void> {
    const clock = this.#o.clock;
    const signal = this.#stop.signal;
    let due = this.#startMs + this.intervalMs;
    while (!signal.aborted) {
      // A timer may fire a little before its deadline: sleep again rather than take the slot early.
      while (!signal.aborted && clock.now() < due) await clock.sleep(due - clock.now(), signal);
      if (signal.aborted) break;
      this.maxLateMs = Math.max(this.maxLateMs, clock.now() - due);
      this.sampleNow();
      due = nextDueMs(due, this.intervalMs, clock.now());
    }
  }
}
