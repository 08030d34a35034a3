/**
 * How N users are spread over user classes: `fixedCount` classes first (exactly that many each), the rest by
 * weight with the largest-remainder method (exact proportional counts, ties to the class declared first), in an
 * interleaved spawn order (smooth weighted round-robin) so every prefix of a ramp-up stays near proportional.
 * Deterministic. For whole-number ratios the counts equal Locust's; for uneven ones Locust rounds weights first
 * and can be one user off, ours are the exact largest-remainder counts.
 */

/** What distribution needs from a user class. */
export interface Distributable {
  readonly name: string;
  readonly weight: number;
  readonly fixedCount: number;
}

/** Counts per class and the class of the i-th user to spawn. */
export interface UserDistribution<T> {
  /** Users per class, every given class present (possibly 0). */
  counts: Map<T, number>;
  /** Spawn order; shorter than the requested total when only fixed-count classes exist and they are all full. */
  order: T[];
}

/** Splits `total` proportionally to `shares` (largest remainder; ties go to the earlier index). */
export function largestRemainder(shares: readonly number[], total: number): number[] {
  const sum = shares.reduce((a, b) => a + b, 0);
  if (sum <= 0 || total <= 0) return shares.map(() => 0);
  const quotas = shares.map((s) => (s * total) / sum);
  const counts = quotas.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = quotas.map((q, i) => ({ i, r: q - Math.floor(q) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left-- <= 0) break;
    counts[i]! += 1;
  }
  return counts;
}

/** Smooth weighted round-robin over exact counts: each item appears counts[i] times, evenly spread. */
export function interleave<T>(items: readonly T[], counts: readonly number[]): T[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const current = counts.map(() => 0);
  const out: T[] = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    for (let i = 0; i < items.length; i++) {
      current[i]! += counts[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    out.push(items[best]!);
  }
  return out;
}

/** Distributes `total` users over `classes` (fixedCount first, then by weight). */
export function distributeUsers<T extends Distributable>(classes: readonly T[], total: number): UserDistribution<T> {
  const n = Math.max(0, Math.floor(total));
  const fixed = classes.filter((c) => c.fixedCount > 0);
  const weighted = classes.filter((c) => c.fixedCount <= 0 && c.weight > 0);
  const fixedTotal = fixed.reduce((a, c) => a + c.fixedCount, 0);
  const fixedCounts =
    n >= fixedTotal ? fixed.map((c) => c.fixedCount) : largestRemainder(fixed.map((c) => c.fixedCount), n);
  const weightedCounts = largestRemainder(
    weighted.map((c) => c.weight),
    Math.max(0, n - fixedTotal),
  );
  const counts = new Map<T, number>(classes.map((c) => [c, 0]));
  fixed.forEach((c, i) => counts.set(c, fixedCounts[i]!));
  weighted.forEach((c, i) => counts.set(c, weightedCounts[i]!));
  return { counts, order: [...interleave(fixed, fixedCounts), ...interleave(weighted, weightedCounts)] };
}
