/**
 * Scrapes the target's Prometheus `/metrics` during a run and keeps the chosen series. One request at a time; a
 * target without `/metrics` (404, refused, not the text format) is noted once and not asked again.
 */
import { undici } from '../http/dispatcher.ts';
import type { Clock } from '../clock.ts';
import { nextSlotMs } from './cadence.ts';
import { parsePrometheusText, parseSelector, selectSeries, type SeriesSelector } from './prometheus-text.ts';

/** The series kept by default: memory of the target's process and heap, and cache counters when present. */
export const DEFAULT_SCRAPE_SERIES = [
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
  'process_cpu_seconds_total',
  'cache_hits_total',
  'cache_misses_total',
];

/** Options of a MetricsScraper. */
export interface MetricsScraperOptions {
  /** Full URL of the metrics endpoint, e.g. http://127.0.0.1:8000/metrics. */
  url: string;
  /** Selectors (`name` or `name{label="v"}`) to keep; default DEFAULT_SCRAPE_SERIES. */
  series?: readonly string[];
  /** Scrape period, ms (default 1000). */
  intervalMs?: number;
  /** Per-scrape timeout, ms (default 2000). */
  timeoutMs?: number;
  clock: Clock;
}

/** One scrape: seconds since the scraper started and the selected values. */
export interface ScrapePoint {
  t: number;
  values: Record<string, number>;
}

export class MetricsScraper {
  readonly #o: MetricsScraperOptions;
  readonly #selectors: SeriesSelector[];
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #startMs = 0;
  /** The newest scrape not yet taken by `takeFresh()`. */
  #fresh: ScrapePoint | undefined;
  /** Why scraping stopped (no endpoint, wrong format), if it did. */
  unavailable: string | undefined;
  scrapes = 0;

  constructor(options: MetricsScraperOptions) {
    this.#o = options;
    this.#selectors = (options.series ?? DEFAULT_SCRAPE_SERIES).map(parseSelector);
  }

  start(startMs = this.#o.clock.now()): void {
    this.#startMs = startMs;
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  /** The newest scrape since the last call, once. */
  takeFresh(): ScrapePoint | undefined {
    const p = this.#fresh;
    this.#fresh = undefined;
    return p;
  }

  /** One scrape now; resolves the selected values, or undefined (and sets `unavailable`) when there is no endpoint. */
  async scrapeOnce(): Promise<Record<string, number> | undefined> {
    try {
      const timeout = AbortSignal.timeout(this.#o.timeoutMs ?? 2000);
      const res = await undici().request(this.#o.url, { signal: AbortSignal.any([timeout, this.#stop.signal]) });
      const text = await res.body.text();
      if (res.statusCode !== 200) {
        this.unavailable = `GET ${this.#o.url} answered ${res.statusCode}`;
        return undefined;
      }
      const samples = parsePrometheusText(text);
      if (samples.length === 0) {
        this.unavailable = `GET ${this.#o.url} is not in the Prometheus text format`;
        return undefined;
      }
      this.scrapes++;
      return selectSeries(samples, this.#selectors);
    } catch (error) {
      if (!this.#stop.signal.aborted) this.unavailable = `GET ${this.#o.url} failed: ${(error as Error).message}`;
      return undefined;
    }
  }

  async #run(): Promise<void> {
    const clock = this.#o.clock;
    const intervalMs = this.#o.intervalMs ?? 1000;
    let due = this.#startMs;
    while (!this.#stop.signal.aborted) {
      const at = clock.now();
      const values = await this.scrapeOnce();
      if (values === undefined) {
        // A target without /metrics from the start is not asked again; a later failure is a blip.
        if (this.scrapes === 0) return;
      } else {
        this.#fresh = { t: Math.round((at - this.#startMs) / 10) / 100, values };
      }
      due = nextSlotMs(this.#startMs, intervalMs, Math.max(clock.now(), due));
      await clock.sleep(due - clock.now(), this.#stop.signal);
    }
  }
}
