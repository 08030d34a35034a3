/**
 * Recommendations drawn from the figures of a suite run, each naming its evidence (the test and the numbers):
 * a suspected memory leak, CPU saturation (worker count against cores and the (2 × cores) + 1 rule), an
 * endpoint's p95 over its objective, error spikes and when they began, the storage comparison, and a saturated
 * generator (results suspect).
 */
import type { ReportEndpoint } from '../report/report-types.ts';
import type { MonitorSample } from '../monitor/types.ts';
import type { Recommendation, TestRecord } from './types.ts';

const r1 = (v: number) => Math.round(v * 10) / 10;

function mean(samples: readonly MonitorSample[], key: 'cpu_pct' | 'target_cpu_pct'): number | undefined {
  const v = samples.map((s) => s[key]).filter((x): x is number => typeof x === 'number');
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
}

/** Memory leak suspected. */
export function leakRecommendations(records: readonly TestRecord[]): Recommendation[] {
  return records
    .filter((r) => r.leak?.verdict === 'leak')
    .map(({ summary, leak }) => {
      const l = leak!.heap?.verdict === 'leak' && leak!.slope_bytes_per_request === undefined ? leak!.heap : leak!;
      const perMin = l.slope_bytes_per_s !== undefined ? r1((l.slope_bytes_per_s * 60) / 2 ** 20) : undefined;
      return {
        text: `Memory leak suspected in "${summary.name}": ${l.series} grows ${l.slope_bytes_per_request} B per request (95 % interval ${JSON.stringify(l.slope_ci_bytes_per_request)}), ${perMin} MiB/min, r² ${l.r2}, over ${l.duration_s} s after a ${l.warmup_s} s warm-up. Take two heap snapshots under load and compare retained objects (caches without a bound, listeners, per-request arrays).`,
        evidence: { test: summary.name, series: l.series, slope_bytes_per_request: l.slope_bytes_per_request, slope_ci_bytes_per_request: l.slope_ci_bytes_per_request, slope_bytes_per_s: l.slope_bytes_per_s, r2: l.r2, duration_s: l.duration_s },
      };
    });
}

/** CPU saturated: the target's workers (or the machine) busy, with what to change. */
export function cpuRecommendations(records: readonly TestRecord[], cores: number): Recommendation[] {
  const out: Recommendation[] = [];
  for (const r of records) {
    const targetMean = mean(r.samples, 'target_cpu_pct');
    const machineMean = mean(r.samples, 'cpu_pct') ?? 0;
    if (targetMean === undefined) continue;
    // The process count cannot tell workers from helpers (a tsx esbuild service, a sidecar): ask the settings.
    const workers = Number(r.settings.workers) || 1;
    const perWorker = targetMean / workers;
    if (perWorker < 85 && machineMean < 90) continue;
    const measured = `target CPU ${r1(targetMean)} % mean (${r1(perWorker)} % per worker, ${workers} worker${workers > 1 ? 's' : ''}), machine ${r1(machineMean)} % of ${cores} cores`;
    const rule = `The (2 × cores) + 1 = ${2 * cores + 1} rule suits workers that mostly wait on I/O; Node workers that are CPU-bound gain nothing past one per core.`;
    const text =
      workers < cores
        ? `CPU saturated in "${r.summary.name}": ${measured}. Raise the worker count to ${cores} (one per core). ${rule}`
        : `CPU saturated in "${r.summary.name}": ${measured}; the workers already cover the cores. Cut CPU per request (profile the hot path, cache rendered responses) or add machines. ${rule}`;
    out.push({ text, evidence: { test: r.summary.name, target_cpu_mean_pct: r1(targetMean), per_worker_cpu_pct: r1(perWorker), workers, workers_source: r.settings.workers ? 'settings' : 'assumed', cores, machine_cpu_mean_pct: r1(machineMean), rule_2n_plus_1: 2 * cores + 1 } });
  }
  return out;
}

function remedy(e: ReportEndpoint): string {
  if (e.method === 'GET' && /:|\{|\d/.test(e.name)) return 'cache the response (read-mostly content) and check the lookup hits the primary key';
  if (e.method === 'GET') return 'index the columns the list filters and sorts on, paginate, and check the query plan';
  return 'profile its query and transaction: batch the inserts, keep file or image work off the request path, check indexes on the written tables';
}

/** An endpoint's p95 above its objective. */
export function latencyRecommendations(records: readonly TestRecord[], endpoints: (r: TestRecord) => ReportEndpoint[]): Recommendation[] {
  const out: Recommendation[] = [];
  for (const r of records) {
    const objectives = r.test.p95ObjectivesMs;
    if (!objectives) continue;
    for (const e of endpoints(r)) {
      const objective = objectives[`${e.method} ${e.name}`] ?? objectives[e.name] ?? objectives['*'];
      if (objective === undefined || e.latency_ms.p95 <= objective) continue;
      out.push({
        text: `${e.method} ${e.name} p95 ${e.latency_ms.p95} ms is over its ${objective} ms objective in "${r.summary.name}" (${e.requests} requests): ${remedy(e)}.`,
        evidence: { test: r.summary.name, endpoint: `${e.method} ${e.name}`, p95_ms: e.latency_ms.p95, objective_ms: objective, requests: e.requests },
      });
    }
  }
  return out;
}
