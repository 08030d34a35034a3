/**
 * GET /stats/requests in the shape Locust's web UI answers, so dashboards and scripts written against Locust keep
 * working. Field names are Locust's (snake_case, times in ms); values come from the same Aggregate as everything else.
 */
import type { FailureRow, StatsRow, TickFrame } from './api-types.ts';

/** One Locust stats entry. */
export interface LocustStatsEntry {
  method: string;
  name: string;
  safe_name: string;
  num_requests: number;
  num_failures: number;
  avg_response_time: number;
  min_response_time: number;
  max_response_time: number;
  current_rps: number;
  current_fail_per_sec: number;
  median_response_time: number;
  ninetieth_response_time: number;
  ninety_ninth_response_time: number;
  avg_content_length: number;
}

/** The whole answer. */
export interface LocustStatsResponse {
  stats: LocustStatsEntry[];
  errors: { method: string; name: string; error: string; occurrences: number }[];
  total_rps: number;
  total_fail_per_sec: number;
  fail_ratio: number;
  current_response_time_percentiles: Record<string, number>;
  user_count: number;
  state: string;
}

function entry(r: StatsRow): LocustStatsEntry {
  return {
    method: r.method,
    name: r.name,
    // Locust HTML-escapes here; we return the raw name, and every reader must escape it (our UI uses textContent).
    safe_name: r.name,
    num_requests: r.requests,
    num_failures: r.failures,
    avg_response_time: r.meanMs,
    min_response_time: r.minMs,
    max_response_time: r.maxMs,
    current_rps: r.currentRps,
    current_fail_per_sec: r.currentFailuresPerS,
    median_response_time: r.medianMs,
    ninetieth_response_time: r.p90Ms,
    ninety_ninth_response_time: r.p99Ms,
    avg_content_length: r.avgSizeBytes,
  };
}

/** Builds the Locust-shaped answer from a live frame. */
export function locustStats(frame: TickFrame, failures: FailureRow[]): LocustStatsResponse {
  const t = frame.stats.totals;
  return {
    stats: [...frame.stats.rows.map(entry), entry(t)],
    errors: failures.map((f) => ({ method: f.method, name: f.name, error: f.error, occurrences: f.count })),
    total_rps: t.currentRps,
    total_fail_per_sec: t.currentFailuresPerS,
    fail_ratio: t.requests === 0 ? 0 : t.failures / t.requests,
    current_response_time_percentiles: { 'response_time_percentile_0.5': t.medianMs, 'response_time_percentile_0.95': t.p95Ms },
    user_count: frame.status.users,
    state: frame.status.state,
  };
}
