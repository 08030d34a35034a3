/**
 * When each iteration of an arrival-rate scenario is due. The rate is piecewise linear in time (a constant rate is
 * one flat segment), so the cumulative count N(t) is piecewise quadratic and iteration k (0-based) is due at the
 * time t where N(t) = k: iteration starts are evenly spaced at any rate, and the schedule is absolute (each time
 * computed from the start, never by adding intervals), so timer error cannot accumulate into drift.
 *
 * Pure and clock-free; plain data, so it crosses to user threads as is. Exact counts: 10 it/s for 60 s schedules
 * 600 iterations (k = 0..599), a ramp from 0 to 100 it/s over 10 s schedules 500.
 */
import type { StagePlan } from './stages.ts';

/** The arrival plan as sent to a thread: start rate and stages, rates in iterations per second. */
export interface ArrivalPlan {
  /** Iterations per second at t = 0. */
  startRatePerS: number;
  /** Rate ramps linearly to each stage's target (iterations per second) over its duration (ms; may be Infinity). */
  stages: StagePlan[];
}

interface Segment {
  startMs: number;
  durationMs: number;
  /** Rates in iterations per ms at the start and end of the segment. */
  fromPerMs: number;
  toPerMs: number;
  /** Iterations due before the segment starts (fractional). */
  countBefore: number;
}

// Float slack so iteration k lands in the segment where N reaches exactly k.
const EPS = 1e-9;

export class ArrivalSchedule {
  readonly #segments: Segment[] = [];
  /** Iterations due over the whole plan (Infinity for an unbounded constant rate). */
  readonly totalCount: number;
  /** Length of the plan, ms (may be Infinity). */
  readonly durationMs: number;

  constructor(plan: ArrivalPlan) {
    let startMs = 0;
    let count = 0;
    let fromPerMs = plan.startRatePerS / 1000;
    for (const stage of plan.stages) {
      const toPerMs = stage.target / 1000;
      const seg = { startMs, durationMs: stage.durationMs, fromPerMs, toPerMs, countBefore: count };
      this.#segments.push(seg);
      count += stage.durationMs === Infinity ? (fromPerMs > 0 || toPerMs > 0 ? Infinity : 0) : ((fromPerMs + toPerMs) / 2) * stage.durationMs;
      startMs += stage.durationMs;
      fromPerMs = toPerMs;
    }
    this.totalCount = count;
    this.durationMs = startMs;
  }

  /** Iterations due in [0, tMs] (fractional): N(t). */
  countAt(tMs: number): number {
    for (const s of this.#segments) {
      if (tMs <= s.startMs + s.durationMs) {
        const tau = Math.max(0, tMs - s.startMs);
        const slope = s.durationMs === Infinity ? 0 : (s.toPerMs - s.fromPerMs) / s.durationMs;
        return s.countBefore + s.fromPerMs * tau + (slope / 2) * tau * tau;
      }
    }
    return this.totalCount;
  }

  /** Rate due at `tMs`, iterations per second. */
  ratePerSAt(tMs: number): number {
    for (const s of this.#segments) {
      if (tMs < s.startMs + s.durationMs) {
        if (s.durationMs === Infinity) return s.fromPerMs * 1000;
        return (s.fromPerMs + ((s.toPerMs - s.fromPerMs) * (tMs - s.startMs)) / s.durationMs) * 1000;
      }
    }
    return 0;
  }

  /** When iteration `k` (0-based) is due, ms from the scenario start; undefined when the plan has fewer. */
  timeOf(k: number): number | undefined {
    if (k + EPS >= this.totalCount) return undefined;
    for (const s of this.#segments) {
      const end = s.durationMs === Infinity ? Infinity : s.countBefore + ((s.fromPerMs + s.toPerMs) / 2) * s.durationMs;
      if (k + EPS >= end) continue;
      const x = Math.max(0, k - s.countBefore);
      if (x === 0) return s.startMs;
      // N(τ) - C = b·τ + a·τ², a = slope/2, b = fromPerMs; the stable root 2x / (b + √(b² + 4ax)).
      const a = s.durationMs === Infinity ? 0 : (s.toPerMs - s.fromPerMs) / (2 * s.durationMs);
      const b = s.fromPerMs;
      const tau = (2 * x) / (b + Math.sqrt(Math.max(0, b * b + 4 * a * x)));
      return s.startMs + Math.min(tau, s.durationMs);
    }
    return undefined;
  }
}

/** A constant rate: `ratePerS` iterations per second for `durationMs` (Infinity: until stopped). */
export function constantPlan(ratePerS: number, durationMs: number): ArrivalPlan {
  return { startRatePerS: ratePerS, stages: [{ durationMs, target: ratePerS }] };
}
