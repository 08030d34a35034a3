import { DESCRIPTOR_BYTES, describeKeypoint } from './brief.ts';
import { detectCorners } from './fast.ts';
import { type LevelCorner, selectSpread } from './grid-select.ts';
import { PATCH_RADIUS, intensityCentroidAngle } from './orientation.ts';
import { type GrayImage, buildPyramid } from './pyramid.ts';

/** Options for {@link extractFeatures}; defaults in {@link DEFAULT_EXTRACT_OPTIONS}. */
export interface ExtractOptions {
  /** Pyramid levels, including full resolution. */
  levels: number;
  /** Linear size ratio between consecutive levels. */
  scaleFactor: number;
  /** FAST threshold in grey levels. */
  fastThreshold: number;
  /** Keypoints kept at most. */
  maxKeypoints: number;
  /** Bucketing grid cells along the longer side. */
  gridCells: number;
}

/** ORB-like settings sized for a ≤ 640 px working image. */
export const DEFAULT_EXTRACT_OPTIONS: Readonly<ExtractOptions> = {
  levels: 4,
  scaleFactor: 0.75,
  fastThreshold: 20,
  maxKeypoints: 500,
  gridCells: 8,
};

/** A keypoint in level-0 pixel coordinates. */
export interface ExtractedKeypoint {
  x: number;
  y: number;
  level: number;
  /** Radians, (−π, π]. */
  angle: number;
  response: number;
}

/** Result of {@link extractFeatures}. */
export interface ExtractResult {
  keypoints: ExtractedKeypoint[];
  /** `keypoints.length` × 32 bytes, same order as `keypoints`. */
  descriptors: Uint8Array;
}

// Corners closer to an edge than this cannot be described: the rotated BRIEF pattern and the
// orientation disc reach PATCH_RADIUS pixels out. +1 for rounding of rotated sample offsets.
const BORDER_PX = PATCH_RADIUS + 1;

/**
 * ORB-style feature extraction: pyramid → FAST-9/Harris per level → spread selection →
 * intensity-centroid orientation → steered BRIEF. Deterministic for a given image.
 */
export function extractFeatures(gray: GrayImage, options: ExtractOptions = DEFAULT_EXTRACT_OPTIONS): ExtractResult {
  const pyramid = buildPyramid(gray, {
    levels: options.levels,
    scaleFactor: options.scaleFactor,
    minSidePx: 2 * BORDER_PX + 8,
  });
  const perLevel: LevelCorner[][] = pyramid.map((lvl) =>
    detectCorners(lvl.image, { threshold: options.fastThreshold, borderPx: BORDER_PX }).map((c) => ({
      level: lvl.level,
      x: c.x,
      y: c.y,
      // Pixel centres, not corners, map between levels.
      x0: (c.x + 0.5) * lvl.scale - 0.5,
      y0: (c.y + 0.5) * lvl.scale - 0.5,
      response: c.response,
    })),
  );
  const selected = selectSpread(perLevel, {
    maxKeypoints: options.maxKeypoints,
    scaleFactor: options.scaleFactor,
    width: gray.width,
    height: gray.height,
    gridCells: options.gridCells,
  });

  const descriptors = new Uint8Array(selected.length * DESCRIPTOR_BYTES);
  const keypoints = selected.map((c, k): ExtractedKeypoint => {
    const lvl = pyramid[c.level];
    const angle = intensityCentroidAngle(lvl.image, c.x, c.y);
    describeKeypoint(lvl.smoothed, c.x, c.y, angle, descriptors, k * DESCRIPTOR_BYTES);
    return { x: round(c.x0, 100), y: round(c.y0, 100), level: c.level, angle: round(angle, 1e4), response: c.response };
  });
  return { keypoints, descriptors };
}

// Rounded for a compact JSON marker; sub-pixel digits beyond this are noise at this resolution.
function round(v: number, per: number): number {
  return Math.round(v * per) / per;
}
