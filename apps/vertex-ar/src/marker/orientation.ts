import type { GrayImage } from './pyramid.ts';

/** Radius, in pixels, of the disc orientation and descriptors look at (ORB's 31x31 patch). */
export const PATCH_RADIUS = 15;

// umax[v] = half-width of the disc on row v; a disc (not a square) keeps the moments rotation-invariant.
const UMAX = Int32Array.from({ length: PATCH_RADIUS + 1 }, (_, v) =>
  Math.floor(Math.sqrt(PATCH_RADIUS * PATCH_RADIUS - v * v)),
);

/**
 * Orientation by intensity centroid (Rosin 1999, as in ORB): the angle from the corner to the
 * centre of mass of the patch. Steering BRIEF by it makes descriptors rotation-invariant.
 *
 * @param x column on `img`; must be ≥ PATCH_RADIUS from every edge
 * @param y row on `img`
 * @returns angle in radians, in (−π, π]
 */
export function intensityCentroidAngle(img: GrayImage, x: number, y: number): number {
  const { width: w, data } = img;
  const c = y * w + x;
  let m10 = 0;
  let m01 = 0;
  for (let u = -PATCH_RADIUS; u <= PATCH_RADIUS; u++) m10 += u * data[c + u];
  // Rows ±v together: their m10 terms add, their m01 terms subtract.
  for (let v = 1; v <= PATCH_RADIUS; v++) {
    const d = UMAX[v];
    const up = c - v * w;
    const down = c + v * w;
    let sumDiff = 0;
    for (let u = -d; u <= d; u++) {
      const a = data[down + u];
      const b = data[up + u];
      sumDiff += a - b;
      m10 += u * (a + b);
    }
    m01 += v * sumDiff;
  }
  return Math.atan2(m01, m10);
}
