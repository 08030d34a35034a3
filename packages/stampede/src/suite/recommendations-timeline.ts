/**
 * Recommendations read from the time series and across tests: error spikes (when they began, the users then,
 * the peak, the commonest error), the storage comparison, and saturated-generator warnings.
 */
import type { Recommendation, TestRecord } from './types.ts';

const r1 = (v: number) => Math.round(v * 10) / 10;

/** Error spikes: the first second with ≥ 5 % failures (and at least one), from the load's per-second series. */
export function errorSpikeRecommendations(records: readonly TestRecord[], minShare = 0.05): Recommendation[] {
  const out: Recommendation[] = [];
  for (const r of records) {
    if (!r.load) continue;
    const series = r.load.aggregate.timeseries();
    const spiking = series.filter((p) => p.failures_per_s >= 1 && p.failures_per_s >= minShare * p.rps);
    if (spiking.length === 0) continue;
    const first = spiking[0]!;
    const peak = spiking.reduce((a, b) => (b.failures_per_s > a.failures_per_s ? b : a));
    const top = [...r.load.aggregate.errors()].sort((a, b) => b.count - a.count)[0];
    const cause = top ? `; commonest: ${top.kind} "${top.error}" on ${top.method} ${top.name} (${top.count})` : '';
    out.push({
      text: `Errors spiked in "${r.summary.name}" from t=${first.t} s (${first.users} users, ${r1(first.failures_per_s)} failures/s of ${r1(first.rps)} req/s), peaking at ${r1(peak.failures_per_s)}/s at t=${peak.t} s${cause}. Look at what ran out at that load: connection or database pool, file descriptors, rate limits.`,
      evidence: { test: r.summary.name, began_at_s: first.t, users_at_start: first.users, failures_per_s_at_start: first.failures_per_s, peak_failures_per_s: peak.failures_per_s, peak_at_s: peak.t, seconds_over: spiking.length, top_error: top ? { kind: top.kind, error: top.error, count: top.count } : null },
    });
  }
  return out;
}

function figure(r: TestRecord, key: string): number | undefined {
  const v = r.summary.metrics[key];
  return typeof v === 'number' ? v : undefined;
}

/** Storage comparison: two (or more) storage tests side by side, on throughput when measured, else p95 and rps. */
export function storageRecommendations(records: readonly TestRecord[]): Recommendation[] {
  const ran = records.filter((r) => r.test.storage && r.summary.status !== 'skipped' && r.summary.status !== 'failed');
  const byBackend = new Map(ran.map((r) => [r.test.storage!, r]));
  if (byBackend.size < 2) return [];
  const rows = [...byBackend.entries()].map(([backend, r]) => ({
    backend,
    test: r.summary.name,
    mb_per_s: figure(r, 'upload_mb_per_s') ?? figure(r, 'mb_per_s'),
    p95_ms: figure(r, 'p95_ms'),
    rps: figure(r, 'rps'),
  }));
  const key = rows.every((x) => x.mb_per_s !== undefined) ? 'mb_per_s' : 'rps';
  rows.sort((a, b) => (b[key] ?? 0) - (a[key] ?? 0));
  const best = rows[0]!;
  const parts = rows.map((x) => `${x.backend} ${x[key]} ${key === 'mb_per_s' ? 'MB/s' : 'req/s'}, p95 ${x.p95_ms} ms`);
  const worst = rows[rows.length - 1]!;
  const ratio = worst[key] ? r1((best[key] ?? 0) / worst[key]!) : null;
  return [
    {
      text: `Storage: ${parts.join(' vs ')}; ${best.backend} is ${ratio ?? '∞'}× ${worst.backend} on ${key === 'mb_per_s' ? 'throughput' : 'request rate'}. Weigh it against durability and cost; for the slower backend, stream uploads and serve downloads through a CDN or presigned URLs.`,
      evidence: { backends: rows, compared_on: key },
    },
  ];
}

/**
 * Saturated generator: those tests' latency figures are suspect. One recommendation however many tests it touched
 * (each test's figures in the evidence), so a busy machine does not fill the list with the same advice.
 */
export function generatorRecommendations(records: readonly TestRecord[]): Recommendation[] {
  const saturated = records.filter((r) => r.generatorSaturated);
  if (saturated.length === 0) return [];
  const figures = (r: TestRecord) => `CPU max ${r.summary.metrics.gen_cpu_max_pct} %, event-loop lag p99 ${r.summary.metrics.gen_loop_lag_p99_ms} ms`;
  const evidence = (r: TestRecord) => ({ test: r.summary.name, gen_cpu_max_pct: r.summary.metrics.gen_cpu_max_pct, gen_loop_lag_p99_ms: r.summary.metrics.gen_loop_lag_p99_ms });
  const advice = 'Run the generator on another machine, give it more threads, or lower the load.';
  if (saturated.length === 1) {
    const [r] = saturated;
    return [{ text: `The load generator was saturated in "${r!.summary.name}" (${figures(r!)}): its latency figures are suspect. ${advice}`, evidence: evidence(r!) }];
  }
  return [
    {
      text: `The load generator was saturated in ${saturated.length} tests (${saturated.map((r) => `${r.summary.name}: ${figures(r)}`).join('; ')}): their latency figures are suspect. ${advice}`,
      evidence: { tests: saturated.map(evidence) },
    },
  ];
}
