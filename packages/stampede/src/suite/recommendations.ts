/**
 * Recommendations drawn from the figures of a suite run, each naming its evidence (the test and the numbers):
 * a suspected memory leak, CPU saturation with its measured cause (the target's workers, the generator, the rest of
 * the machine; worker count against cores and the (2 × cores) + 1 rule), an
 * endpoint's p95 over its objective, error spikes and when they began, the storage comparison, and a saturated
 * generator (results suspect).
 */
import type { ReportEndpoint } from '../report/report-types.ts';
import type { MonitorSample } from '../monitor/types.ts';
import type { Recommendation, TestRecord } from './types.ts';

const r1 = (v: number) => Math.round(v * 10) / 10;

function mean(samples: readonly MonitorSample[], key: 'cpu_pct' | 'target_cpu_pct' | 'gen_cpu_pct'): number | undefined {
  const v = samples.map((s) => s[key]).filter((x): x is number => typeof x === 'number');
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
}

/** Memory leak suspected: per request (`leak`), or a steady growth by the minute (`suspect`). */
export function leakRecommendations(records: readonly TestRecord[]): Recommendation[] {
  return records
    .filter((r) => r.leak?.verdict === 'leak' || r.leak?.verdict === 'suspect')
    .map(({ summary, leak }) => {
      const verdict = leak!.verdict;
      // The series that decided: the heap when the overall verdict was upgraded from it.
      const l = leak!.heap?.verdict === verdict && leak!.reason.startsWith('heap:') ? leak!.heap : leak!;
      const perMin = l.slope_bytes_per_s !== undefined ? r1((l.slope_bytes_per_s * 60) / 2 ** 20) : undefined;
      if (verdict === 'suspect') {
        return {
          text: `Memory grows steadily in "${summary.name}": ${l.series} ${perMin} MiB/min (r² ${l.r2}) over ${l.duration_s} s, ${l.slope_bytes_per_request ?? '–'} B per request. At that rate it runs out of memory whatever the per-request figure; run it longer (--profile endurance) to see whether it levels off (a cache reaching its bound) or keeps growing (a leak), and compare two heap snapshots taken a minute apart.`,
          evidence: { test: summary.name, verdict, series: l.series, slope_bytes_per_s: l.slope_bytes_per_s, slope_ci_bytes_per_s: l.slope_ci_bytes_per_s, mib_per_min: perMin, r2: l.r2, slope_bytes_per_request: l.slope_bytes_per_request, duration_s: l.duration_s },
        };
      }
      return {
        text: `Memory leak suspected in "${summary.name}": ${l.series} grows ${l.slope_bytes_per_request} B per request (95 % interval ${JSON.stringify(l.slope_ci_bytes_per_request)}), ${perMin} MiB/min, r² ${l.r2}, over ${l.duration_s} s after a ${l.warmup_s} s warm-up. Take two heap snapshots under load and compare retained objects (caches without a bound, listeners, per-request arrays).`,
        evidence: { test: summary.name, series: l.series, slope_bytes_per_request: l.slope_bytes_per_request, slope_ci_bytes_per_request: l.slope_ci_bytes_per_request, slope_bytes_per_s: l.slope_bytes_per_s, r2: l.r2, duration_s: l.duration_s },
      };
    });
}

/** Per-worker CPU (percent of one core) at which the target's own workers count as saturated. */
export const WORKER_SATURATED_PCT = 85;
/** Machine CPU (percent of all cores) at which the machine counts as saturated. */
export const MACHINE_SATURATED_PCT = 90;

/**
 * CPU saturated, with its cause measured rather than assumed: the target's own processes, the load generator (this
 * process), or the rest of the machine (machine busy less the two, in percent of one core). "Add workers" only when
 * the target's workers are saturated and the machine has room; a saturated machine shared by the generator and the
 * target says so instead, since more workers would only contend for the same cores.
 */
export function cpuRecommendations(records: readonly TestRecord[], cores: number): Recommendation[] {
  const out: Recommendation[] = [];
  // Saturated-machine findings by cause: one recommendation per cause, however many tests it touched.
  const machine = new Map<string, Array<{ name: string; figures: string; advice: string; evidence: Record<string, unknown> }>>();
  for (const r of records) {
    const targetMean = mean(r.samples, 'target_cpu_pct');
    const machineMean = mean(r.samples, 'cpu_pct');
    if (machineMean === undefined) continue;
    const genMean = mean(r.samples, 'gen_cpu_pct') ?? 0;
    // The process count cannot tell workers from helpers (a tsx esbuild service, a sidecar): ask the settings.
    const workers = Number(r.settings.workers) || 1;
    const perWorker = targetMean === undefined ? undefined : targetMean / workers;
    const workersSaturated = perWorker !== undefined && perWorker >= WORKER_SATURATED_PCT;
    const machineSaturated = machineMean >= MACHINE_SATURATED_PCT;
    if (!workersSaturated && !machineSaturated) continue;
    const machineCores = (machineMean * cores) / 100;
    const otherMean = Math.max(0, machineMean * cores - (targetMean ?? 0) - genMean);
    const evidence = {
      test: r.summary.name,
      target_cpu_mean_pct: targetMean === undefined ? null : r1(targetMean),
      per_worker_cpu_pct: perWorker === undefined ? null : r1(perWorker),
      workers,
      workers_source: r.settings.workers ? 'settings' : 'assumed',
      generator_cpu_mean_pct: r1(genMean),
      other_cpu_mean_pct: r1(otherMean),
      machine_cpu_mean_pct: r1(machineMean),
      cores,
      rule_2n_plus_1: 2 * cores + 1,
    };
    const split = `target ${targetMean === undefined ? 'not measured' : `${r1(targetMean)} %`}, generator ${r1(genMean)} %, everything else ${r1(otherMean)} % (percent of one core; ${r1(machineCores)} of ${cores} cores busy)`;
    if (machineSaturated) {
      const biggest = otherMean > (targetMean ?? 0) && otherMean > genMean ? 'other' : genMean > (targetMean ?? 0) ? 'generator' : 'target';
      const shared = targetMean !== undefined && genMean >= 10;
      const advice =
        biggest === 'other'
          ? 'Other processes took most of it: run the test on a quiet machine before reading its figures.'
          : shared
            ? `The generator and the target share this machine and it is saturated, so the target's figures are the machine's limit, not the target's: run the generator on another machine${workersSaturated && workers < cores ? `, then raise the target's workers to ${cores} (one per core)` : ''}. Adding workers here would only contend for the same cores.`
            : biggest === 'generator'
              ? 'The generator took most of it: run it on another machine or give it fewer users.'
              : `The target took most of it: ${workers < cores ? `raise its worker count to ${cores} (one per core)` : 'cut CPU per request (profile the hot path, cache rendered responses) or add machines'}.`;
      const cause = biggest === 'other' ? 'other_processes' : shared ? 'shared_machine' : biggest;
      const entries = machine.get(cause) ?? [];
      entries.push({ name: r.summary.name, figures: `${r1(machineMean)} % of ${cores} cores: ${split}`, advice, evidence: { ...evidence, cause } });
      machine.set(cause, entries);
      continue;
    }
    const measured = `target CPU ${r1(targetMean!)} % mean (${r1(perWorker!)} % per worker, ${workers} worker${workers > 1 ? 's' : ''}); ${split}`;
    const rule = `The (2 × cores) + 1 = ${2 * cores + 1} rule suits workers that mostly wait on I/O; Node workers that are CPU-bound gain nothing past one per core.`;
    const text =
      workers < cores
        ? `The target's workers are CPU-saturated in "${r.summary.name}": ${measured}. Raise the worker count to ${cores} (one per core). ${rule}`
        : `The target's workers are CPU-saturated in "${r.summary.name}": ${measured}; the workers already cover the cores. Cut CPU per request (profile the hot path, cache rendered responses) or add machines. ${rule}`;
    out.push({ text, evidence: { ...evidence, cause: 'target_workers' } });
  }
  for (const [cause, entries] of machine) {
    const [first] = entries;
    if (entries.length === 1) {
      out.push({ text: `Machine CPU saturated in "${first!.name}" (${first!.figures}). ${first!.advice}`, evidence: first!.evidence });
      continue;
    }
    // Several tests, one cause: the mean split over them in the text, each test's own figures in the evidence.
    const avg = (key: string) => r1(entries.reduce((a, e) => a + (Number(e.evidence[key]) || 0), 0) / entries.length);
    const advice = entries.find((e) => e.advice.length > first!.advice.length)?.advice ?? first!.advice;
    out.push({
      text: `Machine CPU saturated in ${entries.length} of ${records.length} tests (${entries.map((e) => e.name).join(', ')}): on average machine ${avg('machine_cpu_mean_pct')} % of ${cores} cores — target ${avg('target_cpu_mean_pct')} %, generator ${avg('generator_cpu_mean_pct')} %, everything else ${avg('other_cpu_mean_pct')} % (percent of one core). ${advice}`,
      evidence: { cause, tests: entries.map((e) => e.evidence) },
    });
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
