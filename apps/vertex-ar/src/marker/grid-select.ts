/** A detected corner on some pyramid level, with its position mapped to level 0. */
export interface LevelCorner {
  level: number;
  /** Column/row on its own level (integers). */
  x: number;
  y: number;
  /** Position on level 0, in pixels. */
  x0: number;
  y0: number;
  response: number;
}

/** Options for {@link selectSpread}. */
export interface SelectOptions {
  /** Total keypoints to keep. */
  maxKeypoints: number;
  /** Linear scale between pyramid levels, as used to build the pyramid. */
  scaleFactor: number;
  /** Level-0 size, in pixels, for the bucketing grid. */
  width: number;
  height: number;
  /** Grid cells along the longer side. */
  gridCells: number;
}

/** Strongest first; ties broken by position so the order never depends on sort stability. */
export function compareCorners(a: LevelCorner, b: LevelCorner): number {
  return b.response - a.response || a.level - b.level || a.y - b.y || a.x - b.x;
}

/**
 * Keeps the strongest `maxKeypoints` corners, spread over scales and over the image.
 * Levels get budgets in proportion to their linear size (ORB's rule), so coarse levels are not
 * starved; unused budget carries to the next level. Within a level, a per-cell cap stops one
 * busy region from taking every keypoint, which would make tracking fail once it leaves the frame.
 */
export function selectSpread(perLevel: LevelCorner[][], options: SelectOptions): LevelCorner[] {
  const levels = perLevel.length;
  const f = options.scaleFactor;
  const first = (options.maxKeypoints * (1 - f)) / (1 - f ** levels);
  const chosen: LevelCorner[] = [];
  let carry = 0;
  for (let l = 0; l < levels; l++) {
    const budget = l === levels - 1
      ? options.maxKeypoints - chosen.length
      : Math.round(first * f ** l) + carry;
    const picked = bucketSelect(perLevel[l], budget, options);
    carry = budget - picked.length;
    for (const c of picked) chosen.push(c);
  }
  return chosen.sort(compareCorners);
}

function bucketSelect(corners: LevelCorner[], budget: number, options: SelectOptions): LevelCorner[] {
  if (budget <= 0 || corners.length === 0) return [];
  const sorted = corners.slice().sort(compareCorners);
  if (sorted.length <= budget) return sorted;
  const cellPx = Math.max(options.width, options.height) / options.gridCells;
  const cols = Math.ceil(options.width / cellPx);
  const rows = Math.ceil(options.height / cellPx);
  const cellOf = (c: LevelCorner): number =>
    Math.min(rows - 1, Math.floor(c.y0 / cellPx)) * cols + Math.min(cols - 1, Math.floor(c.x0 / cellPx));
  const counts = new Int32Array(cols * rows);
  let occupied = 0;
  for (const c of sorted) if (counts[cellOf(c)]++ === 0) occupied++;
  counts.fill(0);
  // Twice the fair share: spreads keypoints without forcing weak corners in empty regions.
  const cap = Math.max(1, Math.ceil((2 * budget) / occupied));
  const picked: LevelCorner[] = [];
  const rest: LevelCorner[] = [];
  for (const c of sorted) {
    if (picked.length >= budget) break;
    const cell = cellOf(c);
    if (counts[cell] < cap) {
      counts[cell]++;
      picked.push(c);
    } else {
      rest.push(c);
    }
  }
  for (let i = 0; picked.length < budget && i < rest.length; i++) picked.push(rest[i]);
  return picked;
}
