/**
 * Portrait assets for Vertex AR: format detection, a JPEG thumbnail and an ORB-style image
 * tracking marker (FAST-9 + Harris corners on a 4-level pyramid, intensity-centroid orientation,
 * steered 256-bit BRIEF descriptors), computed from the pixels with sharp and typed arrays.
 */
import { DESCRIPTOR_BYTES } from './brief.ts';
import { decodePortrait } from './decode.ts';
import { MarkerError } from './errors.ts';
import { extractFeatures } from './extract.ts';
import { countMutualMatches, toWords } from './match.ts';

export { MarkerError } from './errors.ts';
export type { MarkerErrorCode, MarkerErrorOptions } from './errors.ts';

/** A marker keypoint. Coordinates are in the marker's own pixel frame (`Marker.width` × `Marker.height`). */
export interface Keypoint {
  /** Column, in marker pixels (sub-pixel for coarser levels). */
  x: number;
  /** Row, in marker pixels. */
  y: number;
  /** Pyramid level it was detected on; level `l` is scaled by 0.75^l. */
  level: number;
  /** Orientation in radians, (−π, π], by intensity centroid. */
  angle: number;
  /** Harris corner response (ORB normalisation); larger is stronger. */
  response: number;
}

/** An image-tracking marker. */
export interface Marker {
  version: 1;
  /** Width of the analysed image, in pixels (the upright original downscaled to ≤ 640 px). */
  width: number;
  /** Height of the analysed image, in pixels. */
  height: number;
  /** Strongest first. */
  keypoints: Keypoint[];
  /** base64 of concatenated 32-byte binary descriptors, one per keypoint, same order. */
  descriptors: string;
}

/** Everything the API stores for an uploaded portrait. */
export interface PortraitAssets {
  /** Upright (EXIF-oriented) width of the original, in pixels. */
  width: number;
  /** Upright (EXIF-oriented) height of the original, in pixels. */
  height: number;
  /** Detected from the bytes, not from a filename or content type. */
  format: 'jpeg' | 'png' | 'webp';
  /** JPEG, longest side 256 px. */
  thumbnail: Buffer;
  marker: Marker;
}

/** Decode cap: rejects decompression bombs before libvips allocates for them (50 MP). */
export const MAX_INPUT_PIXELS = 50_000_000;
/** Longest side, in pixels, of the image features are computed on. */
export const MARKER_SIDE_PX = 640;
/** Longest side of the thumbnail, in pixels. */
export const THUMBNAIL_SIDE_PX = 256;

/**
 * Decodes a JPEG/PNG/WebP portrait and computes its thumbnail and tracking marker.
 * Deterministic: the same bytes give the same marker.
 *
 * @throws {MarkerError} `VERTEX_ERR_IMAGE_DECODE` when the bytes are not a complete JPEG, PNG
 *   or WebP; `VERTEX_ERR_IMAGE_TOO_LARGE` above {@link MAX_INPUT_PIXELS}.
 */
export async function generatePortraitAssets(image: Buffer): Promise<PortraitAssets> {
  const decoded = await decodePortrait(image, {
    maxInputPixels: MAX_INPUT_PIXELS,
    workingSidePx: MARKER_SIDE_PX,
    thumbnailSidePx: THUMBNAIL_SIDE_PX,
  });
  const { keypoints, descriptors } = extractFeatures(decoded.gray);
  return {
    width: decoded.width,
    height: decoded.height,
    format: decoded.format,
    thumbnail: decoded.thumbnail,
    marker: {
      version: 1,
      width: decoded.gray.width,
      height: decoded.gray.height,
      keypoints,
      descriptors: Buffer.from(descriptors.buffer, descriptors.byteOffset, descriptors.byteLength).toString('base64'),
    },
  };
}

/**
 * Similarity of two markers in [0, 1]: the fraction of `a`'s descriptors that find a good mutual
 * match in `b` (Hamming distance ≤ 64 of 256 bits, Lowe ratio 0.8, and `b`'s best match for it
 * is the same pair). Not symmetric when the keypoint counts differ. 0 when `a` has no keypoints.
 *
 * @throws {MarkerError} `VERTEX_ERR_MARKER_INVALID` if a marker's descriptors do not hold 32 bytes per keypoint.
 */
export function matchMarkers(a: Marker, b: Marker): number {
  const da = descriptorWords(a);
  const db = descriptorWords(b);
  const na = da.length / (DESCRIPTOR_BYTES / 4);
  if (na === 0 || db.length === 0) return 0;
  return countMutualMatches(da, db) / na;
}

function descriptorWords(m: Marker): Uint32Array {
  const bytes = Buffer.from(m.descriptors, 'base64');
  if (bytes.length !== m.keypoints.length * DESCRIPTOR_BYTES) {
    throw new MarkerError(
      'VERTEX_ERR_MARKER_INVALID',
      `marker descriptors hold ${bytes.length} bytes, expected ${m.keypoints.length * DESCRIPTOR_BYTES} (32 per keypoint)`,
      { hint: 'regenerate the marker from its image' },
    );
  }
  return toWords(bytes);
}
