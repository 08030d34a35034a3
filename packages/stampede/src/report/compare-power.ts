/**
 * Whether two runs hold enough effective samples for `stampede compare` to see a change of the configured effect
 * size, and how long a run would need to be. Without this, "no significant regression" on two 4-second runs meant
 * only that nothing could be seen: a p95 up 3,503 % passed. The comparison is then `inconclusive` (its own exit code).
 *
 * For p50 and p95 of the overall row, in each run: the relative standard error of the percentile of n effective
 * (independent) requests, read from the run's own latency distribution, must let a change of `effectSize` clear the
 * tolerance with the configured power: (z₁₋α/₂ + z_power) · √2 · se(n) ≤ ln(1 + effect) − ln(1 + tolerance). The
 * run's effective samples are its steady-state requests ÷ the design effect (compare-overall.ts). Run-to-run noise
 * is left out on purpose: a longer run does not shrink it, so it says nothing about how long to run (docs/reports.md).
 * p99 does not gate (it needs five times the samples of p95); it decides when it has them, as before.
 */
import { normalQuantile, type QuantileTable } from './bootstrap.ts';
import { DEFAULT_DESIGN_EFFECT, MIN_STEADY_SECONDS, type OverallResult, type RunSeries } from './compare-overall.ts';
import { defaultWarmupS, type ResolvedCompareOptions } from './compare-verdict.ts';

const GATES = [
  ['p50', 0.5],
  ['p95', 0.95],
] as const;
const RUN_NAMES = ['base', 'new'] as const;
/** No run needs more effective samples than this (a distribution so wide that nothing short of it will do). */
const MAX_SAMPLES = 1e9;

/** What compare can detect with these two runs. */
export interface Detectability {
  conclusive: boolean;
  /** Why not (empty when conclusive). */
  reasons: string[];
  /** Seconds each run would need (warm-up included) to detect the effect size; null when a run has no requests. */
  neededRunS: number | null;
}

/**
 * Half-width of the quantile window the distribution's slope is read over: wide enough that a table of a few hundred
 * requests gives a slope (adjacent order statistics alone jump), narrow enough to stay local to p95.
 */
const SLOPE_WINDOW = 0.025;

/**
 * Effective samples at which the q-percentile's relative standard error is `target`: the order statistic's standard
 * error √(q(1 − q)/n) · Q′(q), relative to Q(q), with Q′ the slope of the run's own quantile function around q.
 */
export function samplesFor(table: QuantileTable, q: number, target: number): number {
  const lo = Math.max(0, q - SLOPE_WINDOW);
  const hi = Math.min(1, q + SLOPE_WINDOW);
  const center = table.quantile(q);
  if (!(center > 0)) return MAX_SAMPLES;
  const relSlope = (table.quantile(hi) - table.quantile(lo)) / (hi - lo) / center;
  return Math.min(MAX_SAMPLES, Math.max(1, q * (1 - q) * (relSlope / target) ** 2));
}

/** The run length whose steady state (after the warm-up, without the final partial second) lasts `steadyS`. */
function runLengthFor(steadyS: number, warmupS: number | undefined): number {
  if (warmupS !== undefined) return Math.ceil(steadyS + warmupS + 1);
  let x = steadyS + 3;
  // The default warm-up is 10 % of the run (2–60 s): a contraction, a few rounds settle it.
  for (let i = 0; i < 20; i++) x = steadyS + 1 + defaultWarmupS(x);
  return Math.ceil(x);
}

/** Whether base and new can show a change of opts.effectSize in p50 and p95, and how long runs would need to be. */
export function detectability(overall: Pick<OverallResult, 'runs' | 'tested' | 'noise'>, totalsRps: readonly [number, number], opts: ResolvedCompareOptions): Detectability {
  const reasons: string[] = [];
  const margin = Math.log(1 + opts.effectSize) - Math.log(1 + opts.tolerance);
  const target = margin / ((normalQuantile(1 - opts.alpha / 2) + normalQuantile(opts.power)) * Math.SQRT2);
  const pct = (x: number) => `${+(100 * x).toFixed(1)}%`;
  let neededSteadyS = MIN_STEADY_SECONDS;
  let unknown = false;
  overall.runs.forEach((run: RunSeries, r) => {
    const name = RUN_NAMES[r];
    const seconds = run.points.length;
    const requests = run.points.reduce((sum, p) => sum + p.rps, 0);
    // Requests per steady second; a run with no steady second is judged by its whole-run rate.
    const rate = seconds > 0 ? requests / seconds : totalsRps[r];
    if (!overall.tested && seconds < MIN_STEADY_SECONDS) reasons.push(`${name} run: ${seconds} steady-state seconds after the warm-up (${run.warmupS.toFixed(0)} s), fewer than ${MIN_STEADY_SECONDS}`);
    if (run.table.total === 0 || !(rate > 0)) {
      reasons.push(`${name} run: no requests`);
      unknown = true;
      return;
    }
    for (const [key, q] of GATES) {
      const d = overall.tested ? overall.noise.designEffect[key] : DEFAULT_DESIGN_EFFECT;
      const needed = Math.max(samplesFor(run.table, q, target), opts.minTailSamples / (1 - q));
      neededSteadyS = Math.max(neededSteadyS, (needed * d) / rate);
      const effective = requests / d;
      if (overall.tested && effective < needed) {
        reasons.push(`${name} run: ${Math.floor(effective)} effective samples for ${key} (requests ÷ design effect ${d.toFixed(1)}), ${Math.ceil(needed)} needed to detect a ${pct(opts.effectSize)} change`);
      }
    }
  });
  const neededRunS = unknown ? null : runLengthFor(neededSteadyS, opts.warmupS);
  return { conclusive: reasons.length === 0, reasons, neededRunS };
}
