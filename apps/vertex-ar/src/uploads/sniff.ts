/**
 * Content types from magic bytes. The client's declared type and file name are never trusted.
 */

/** Image formats we accept. */
export type ImageType = { extension: 'jpg' | 'png' | 'webp'; contentType: string };
/** Video formats we accept. */
export type VideoType = { extension: 'mp4' | 'webm'; contentType: string };

/** Bytes needed to decide either kind. */
export const SNIFF_BYTES = 12;

function startsWith(buf: Buffer, bytes: number[], at = 0): boolean {
  if (buf.length < at + bytes.length) return false;
  return bytes.every((b, i) => buf[at + i] === b);
}

/** JPEG, PNG or WebP by signature, else undefined. */
export function sniffImage(head: Buffer): ImageType | undefined {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { extension: 'jpg', contentType: 'image/jpeg' };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { extension: 'png', contentType: 'image/png' };
  // RIFF....WEBP
  if (startsWith(head, [0x52, 0x49, 0x46, 0x46]) && startsWith(head, [0x57, 0x45, 0x42, 0x50], 8)) {
    return { extension: 'webp', contentType: 'image/webp' };
  }
  return undefined;
}

/** MP4 (ISO BMFF `ftyp` box first) or WebM (EBML header), else undefined. */
export function sniffVideo(head: Buffer): VideoType | undefined {
  if (startsWith(head, [0x66, 0x74, 0x79, 0x70], 4)) return { extension: 'mp4', contentType: 'video/mp4' };
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return { extension: 'webm', contentType: 'video/webm' };
  return undefined;
}
