/**
 * `http_requests_total` and `http_request_duration_seconds`, recorded without prom-client on the hot path
 * (issue 11, goal 6). prom-client's `inc()` and `observe()` check the label names, build a hash string of the
 * label values and allocate a closure on every call — the two together were ~7 % of the CPU of a `/health/live`
 * request. Here the hook keeps one series per (route, method, status), found through nested maps and kept by the
 * caller, and adds to plain numbers. The registry reads the series through `get()` in prom-client's own shape, so
 * the text format, the label order, the cluster aggregation (AggregatorRegistry sums per label set) and the names
 * are those the prom-client metrics had.
 */
import type { Registry } from 'prom-client';

/** Labels of one series, in the order they are printed. */
export interface RouteLabels {
  readonly route: string;
  readonly method: string;
  readonly status: string;
}

/** One (route, method, status) series: requests, summed duration and per-bucket counts (the last is +Inf). */
export interface RouteSeries {
  readonly labels: RouteLabels;
  count: number;
  sumSeconds: number;
  readonly buckets: Float64Array;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** The request counter and the duration histogram of the HTTP hook, sharing their series. */
export class RouteMetrics {
  readonly #bounds: readonly number[];
  readonly #all: RouteSeries[] = [];
  readonly #byRoute = new Map<string, Map<string, Map<number, RouteSeries>>>();

  /** Registers both metrics in `registry`; `bounds` are the histogram's upper bounds in seconds, ascending. */
  constructor(registry: Registry, bounds: readonly number[], help: { requests: string; duration: string }) {
    this.#bounds = [...bounds];
    const metric = (name: string, type: 'counter' | 'histogram', helpText: string, values: () => MetricValue[]) => ({
      name,
      help: helpText,
      type,
      aggregator: 'sum' as const,
      get: async () => ({ name, help: helpText, type, aggregator: 'sum' as const, values: values() }),
      reset: () => this.reset(),
    });
    registry.registerMetric(metric('http_requests_total', 'counter', help.requests, () => this.#counterValues()) as never);
    registry.registerMetric(metric('http_request_duration_seconds', 'histogram', help.duration, () => this.#histogramValues()) as never);
  }

  /** The series of a label set: created on first use, then the same object (callers may keep it). */
  series(route: string, method: string, status: number): RouteSeries {
    let byMethod = this.#byRoute.get(route);
    if (!byMethod) this.#byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (!series) {
      series = { labels: { route, method, status: String(status) }, count: 0, sumSeconds: 0, buckets: new Float64Array(this.#bounds.length + 1) };
      byStatus.set(status, series);
      this.#all.push(series);
    }
    return series;
  }

  /** Counts one request of `series` that took `seconds`. */
  observe(series: RouteSeries, seconds: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    series.buckets[i]!++;
    series.count++;
    series.sumSeconds += seconds;
  }

  /** Zeroes every series (prom-client's `registry.resetMetrics()`). */
  reset(): void {
    for (const s of this.#all) {
      s.count = 0;
      s.sumSeconds = 0;
      s.buckets.fill(0);
    }
  }

  #counterValues(): MetricValue[] {
    return this.#all.map((s) => ({ labels: { ...s.labels }, value: s.count }));
  }

  // Cumulative buckets, then +Inf, _sum and _count per series: prom-client's Histogram order.
  #histogramValues(): MetricValue[] {
    const out: MetricValue[] = [];
    const bucket = 'http_request_duration_seconds_bucket';
    for (const s of this.#all) {
      let acc = 0;
      this.#bounds.forEach((le, i) => {
        acc += s.buckets[i]!;
        out.push({ labels: { le, ...s.labels }, value: acc, metricName: bucket });
      });
      out.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: bucket });
      out.push({ labels: { ...s.labels }, value: s.sumSeconds, metricName: 'http_request_duration_seconds_sum' });
      out.push({ labels: { ...s.labels }, value: s.count, metricName: 'http_request_duration_seconds_count' });
    }
    return out;
  }
}
