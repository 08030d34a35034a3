/**
 * The value of a (sub-)metric, read from the run's one Aggregate (or a scenario's) and the iteration counters: no
 * statistics of its own. Units: ms for trends, a ratio in [0, 1] for rates, per second for counter rates.
 */
import type { Aggregate, StatsEntryView } from '../stats/aggregate.ts';
import { LatencyAccumulator } from '../stats/latency-accumulator.ts';
import { TREND_SCALE, type MetricView } from '../stats/metric-series.ts';
import type { ParsedThreshold } from './threshold-types.ts';

/** Iteration counts as the runner keeps them. */
export interface IterationCounts {
  iterations: number;
  late: number;
  dropped?: number;
}

/** Where threshold values come from. */
export interface MetricSource {
  /** The run's statistics (no scenario), or one scenario's; undefined for an unknown scenario. */
  aggregate(scenario?: string): Aggregate | undefined;
  /** Iteration counts of the run or of one scenario. */
  counters(scenario?: string): IterationCounts | undefined;
  /** Run time so far, seconds (denominator of every per-second rate). */
  elapsedS(): number;
}

/** What a runner exposes for thresholds (structurally: LocalRunner). */
export interface RunnerFigures {
  counters: IterationCounts;
  scenarioCounters: ReadonlyMap<string, IterationCounts>;
  scenarioAggregates: ReadonlyMap<string, Aggregate>;
  elapsedS(): number;
}

/**
 * A MetricSource over a runner and its Aggregate. `scenarios` names the run's scenarios: with a single one, its
 * sub-metrics are the run's metrics.
 */
export function runnerMetricSource(runner: RunnerFigures, aggregate: Aggregate, scenarios: readonly string[], elapsedS?: () => number): MetricSource {
  const only = scenarios.length === 1 ? scenarios[0] : undefined;
  return {
    aggregate: (s) => (s === undefined || s === only ? aggregate : runner.scenarioAggregates.get(s)),
    counters: (s) => (s === undefined || s === only ? runner.counters : runner.scenarioCounters.get(s) ?? (scenarios.includes(s) ? { iterations: 0, late: 0, dropped: 0 } : undefined)),
    elapsedS: elapsedS ?? (() => runner.elapsedS()),
  };
}

function matches(e: StatsEntryView, tags: Record<string, string>): boolean {
  return (tags.name === undefined || e.name === tags.name) && (tags.method === undefined || e.method.toUpperCase() === tags.method.toUpperCase());
}

/** Tags a request carries (its `tags` option, its group): any selector tag but the three every request has. */
function requestTags(tags: Record<string, string>): Array<[string, string]> {
  return Object.entries(tags).filter(([k]) => k !== 'name' && k !== 'method' && k !== 'scenario');
}

function requestEntries(agg: Aggregate, t: ParsedThreshold, elapsedS: number): StatsEntryView[] {
  const own = requestTags(t.tags);
  if (own.length > 0) return agg.taggedEndpoints(elapsedS).filter((e) => matches(e, t.tags) && own.every(([k, v]) => e.tags[k] === v));
  if (t.tags.name === undefined && t.tags.method === undefined) return [agg.totals(elapsedS)];
  return agg.endpoints(elapsedS).filter((e) => matches(e, t.tags));
}

/** A trend's aggregation over histograms in µs (latency, or a custom trend's thousandths), in ms (or the trend's unit). */
function trendValue(histograms: LatencyAccumulator[], t: ParsedThreshold): number | null {
  const acc = new LatencyAccumulator();
  for (const h of histograms) acc.addAccumulator(h);
  if (acc.count === 0) return null;
  const a = t.aggregation;
  if (a.kind === 'count') return acc.count;
  if (a.kind === 'avg') return acc.meanUs / TREND_SCALE;
  if (a.kind === 'min') return acc.minUs / TREND_SCALE;
  if (a.kind === 'max') return acc.maxUs / TREND_SCALE;
  return acc.percentileUs(a.kind === 'p' ? a.percentile : 50) / TREND_SCALE;
}

/** The series of a custom metric whose tags include the threshold's (`scenario` picks the aggregate instead). */
function customSeries(agg: Aggregate, t: ParsedThreshold): MetricView[] {
  const wanted = Object.entries(t.tags).filter(([k]) => k !== 'scenario');
  return agg.metrics().filter((m) => m.name === t.metric && wanted.every(([k, v]) => m.tags[k] === v));
}

function customValue(agg: Aggregate, t: ParsedThreshold, elapsedS: number): number | null {
  const series = customSeries(agg, t);
  const samples = series.reduce((n, m) => n + m.samples, 0);
  if (samples === 0) return null;
  const sum = series.reduce((n, m) => n + m.sum, 0);
  switch (t.custom) {
    case 'counter':
      return perCount(sum, t, elapsedS);
    case 'rate':
      return sum / samples;
    case 'gauge': {
      const a = t.aggregation.kind;
      if (a === 'min') return Math.min(...series.map((m) => m.min));
      if (a === 'max') return Math.max(...series.map((m) => m.max));
      return series.reduce((last, m) => (m.at > last.at ? m : last)).value;
    }
    default:
      return trendValue(series.flatMap((m) => (m.trend ? [m.trend] : [])), t);
  }
}

function perCount(count: number, t: ParsedThreshold, elapsedS: number): number | null {
  if (t.aggregation.kind === 'count') return count;
  return elapsedS > 0 ? count / elapsedS : null;
}

function requestValue(agg: Aggregate, t: ParsedThreshold, elapsedS: number): number | null {
  const entries = requestEntries(agg, t, elapsedS);
  if (t.metric === 'http_req_duration') return trendValue(entries.map((e) => e.latency), t);
  if (t.metric === 'http_req_duration_corrected') return trendValue(entries.map((e) => e.corrected ?? e.latency), t);
  const requests = entries.reduce((n, e) => n + e.requests, 0);
  if (t.metric === 'http_req_failed') return requests > 0 ? entries.reduce((n, e) => n + e.failures, 0) / requests : null;
  if (t.metric === 'data_received') return perCount(entries.reduce((n, e) => n + e.bytesReceived, 0), t, elapsedS);
  return perCount(requests, t, elapsedS);
}

/** The observed value of the threshold's metric; null when there is nothing to measure (no samples, unknown scenario). */
export function metricValue(t: ParsedThreshold, source: MetricSource): number | null {
  const elapsedS = source.elapsedS();
  const scenario = t.tags.scenario;
  if (t.metric === 'iterations' || t.metric === 'dropped_iterations' || t.metric === 'late_iterations') {
    const c = source.counters(scenario);
    if (!c) return null;
    const count = t.metric === 'iterations' ? c.iterations : t.metric === 'late_iterations' ? c.late : (c.dropped ?? 0);
    return perCount(count, t, elapsedS);
  }
  const agg = source.aggregate(scenario);
  if (!agg) return null;
  if (t.custom !== undefined) return customValue(agg, t, elapsedS);
  if (t.metric === 'checks') {
    const rows = agg.checks().filter((c) => t.tags.check === undefined || c.name === t.tags.check);
    const total = rows.reduce((n, c) => n + c.passes + c.fails, 0);
    return total > 0 ? rows.reduce((n, c) => n + c.passes, 0) / total : null;
  }
  return requestValue(agg, t, elapsedS);
}
