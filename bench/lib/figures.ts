/**
 * Figures of the benchmark (issue 11): each a value beside its peer measured in the same run, the ratio, the goal
 * and whether it is met. A peer that is not on the machine gives `met: null` and a `skipped` reason — never a
 * made-up number.
 */

/** One line of bench/results/latest.json. */
export interface Figure {
  name: string;
  value: number | null;
  unit: string;
  peer: string | null;
  peer_value: number | null;
  /** value / peer_value (for "difference" figures: as documented in `note`). */
  ratio: number | null;
  /** The goal in words, e.g. "ratio >= 1.3". */
  goal: string;
  met: boolean | null;
  skipped?: string;
  /** Every run's value, then the peer's (medians are reported). */
  runs?: number[];
  peer_runs?: number[];
  note?: string;
}

/** The median of the values (the mean of the middle two for an even count); NaN when empty. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * A ratio figure: medians of both sides; `met` when the ratio is ≥ `atLeast` (null goal: informational). Values are
 * shown with `digits` decimals (default 1); the ratio is taken before rounding (0.555 / 0.375 ms is 1.48, not
 * 0.6 / 0.4).
 */
export function ratioFigure(input: {
  name: string;
  unit: string;
  runs: number[];
  peer: string;
  peerRuns: number[] | null;
  atLeast: number | null;
  digits?: number;
  skipped?: string;
  note?: string;
}): Figure {
  const digits = input.digits ?? 1;
  const mid = input.runs.length ? median(input.runs) : null;
  const peerMid = input.peerRuns && input.peerRuns.length ? median(input.peerRuns) : null;
  const value = mid === null ? null : round(mid, digits);
  const peerValue = peerMid === null ? null : round(peerMid, digits);
  const ratio = mid !== null && peerMid ? round(mid / peerMid) : null;
  const goal = input.atLeast === null ? 'informational (no goal)' : `ratio >= ${input.atLeast}`;
  const met = input.atLeast === null || ratio === null ? null : ratio >= input.atLeast;
  return {
    name: input.name,
    value,
    unit: input.unit,
    peer: input.peer,
    peer_value: peerValue,
    ratio,
    goal,
    met,
    ...(peerValue === null ? { skipped: input.skipped ?? `${input.peer} not measured` } : {}),
    runs: input.runs.map((x) => round(x, digits)),
    ...(input.peerRuns ? { peer_runs: input.peerRuns.map((x) => round(x, digits)) } : {}),
    ...(input.note ? { note: input.note } : {}),
  };
}

/** A figure judged on its own value (memory, ns/op): met when value ≤ `atMost`. */
export function limitFigure(input: { name: string; unit: string; runs: number[]; atMost: number; peer?: string; peerRuns?: number[] | null; skipped?: string; note?: string }): Figure {
  const value = input.runs.length ? round(median(input.runs), 1) : null;
  const peerValue = input.peerRuns && input.peerRuns.length ? round(median(input.peerRuns), 1) : null;
  return {
    name: input.name,
    value,
    unit: input.unit,
    peer: input.peer ?? null,
    peer_value: peerValue,
    ratio: value !== null && peerValue ? round(value / peerValue) : null,
    goal: `value <= ${input.atMost} ${input.unit}`,
    met: value === null ? null : value <= input.atMost,
    ...(value === null ? { skipped: input.skipped ?? 'not measured' } : input.skipped ? { skipped: input.skipped } : {}),
    runs: input.runs.map((x) => round(x, 1)),
    ...(input.peerRuns ? { peer_runs: input.peerRuns.map((x) => round(x, 1)) } : {}),
    ...(input.note ? { note: input.note } : {}),
  };
}

/** A figure that could not be measured at all. */
export function skippedFigure(name: string, unit: string, goal: string, reason: string, peer: string | null = null): Figure {
  return { name, value: null, unit, peer, peer_value: null, ratio: null, goal, met: null, skipped: reason };
}

function cell(x: number | null): string {
  if (x === null) return '-';
  return Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : String(x);
}

/** The table printed at the end (and copied into docs/performance.md). */
export function formatTable(figures: Figure[]): string {
  const rows = [['figure', 'value', 'peer', 'peer value', 'ratio', 'goal', 'met']];
  for (const f of figures) {
    rows.push([
      f.name,
      `${cell(f.value)} ${f.unit}`,
      f.peer ?? '-',
      f.peer_value === null ? (f.skipped ? `skipped: ${f.skipped}` : '-') : cell(f.peer_value),
      f.ratio === null ? '-' : f.ratio.toFixed(2),
      f.goal,
      f.met === null ? '-' : f.met ? 'yes' : 'NO',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
