/**
 * The portrait generator contract (implemented in `src/marker/`, owned by another area). Loaded lazily
 * so the API starts, and its other routes work, even while that module is absent or being rebuilt.
 */

/** One detected feature point. */
export interface MarkerKeypoint {
  x: number;
  y: number;
  level: number;
  angle: number;
  response: number;
}

/** The AR tracking marker of a portrait. */
export interface PortraitMarker {
  version: 1;
  width: number;
  height: number;
  keypoints: MarkerKeypoint[];
  /** Base64 descriptors. */
  descriptors: string;
}

/** Everything generated from an uploaded image. */
export interface PortraitAssets {
  width: number;
  height: number;
  format: 'jpeg' | 'png' | 'webp';
  /** JPEG bytes. */
  thumbnail: Buffer;
  marker: PortraitMarker;
}

/** Generates thumbnail and marker; rejects with `code === 'VERTEX_ERR_IMAGE_DECODE'` for bad images. */
export type PortraitGenerator = (image: Buffer) => Promise<PortraitAssets>;

// A variable specifier keeps the type checker from requiring the module before it lands; the shape is
// checked at runtime instead.
const MARKER_MODULE: string = '../marker/index.ts';

/** The generator from `src/marker/`, imported on first use. */
export const defaultPortraitGenerator: PortraitGenerator = async (image) => {
  const mod = (await import(MARKER_MODULE)) as { generatePortraitAssets?: PortraitGenerator };
  if (typeof mod.generatePortraitAssets !== 'function') {
    throw new Error('src/marker/index.ts does not export generatePortraitAssets');
  }
  return mod.generatePortraitAssets(image);
};
