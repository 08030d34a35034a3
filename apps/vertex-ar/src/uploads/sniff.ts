/**
 * Content types from magic bytes. The client's declared type and file name are never trusted.
 */

/** Image formats we accept. */
export type ImageType = { extension: 'jpg' | 'png' | 'webp'; contentType: string };
/** Video formats we accept. */
export type VideoType = { extension: 'mp4' | 'webm'; contentType: string };

/** Bytes needed to recognise either kind's signature. */
export const SNIFF_BYTES = 12;

/**
 * Bytes of a video looked at before it is accepted: its signature and the start of what follows. A video is never
 * decoded here (unlike an image), so this is all the checking its bytes get before they are served as video.
 */
export const VIDEO_SNIFF_BYTES = 1024;

// What a browser that sniffs content would take for a page: a polyglot "video" carrying one is refused. Tags of
// four letters or more only, so that random (compressed) bytes match one in a kilobyte less than once in a million
// uploads; shorter tags (`<svg`, `<img`) are left to `nosniff`, which is the real defence.
const MARKUP = /<(!doctype\s+html|html|head|body|script|iframe|object|embed|meta)/i;

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

/**
 * An ISO BMFF `ftyp` box: a size from 16 (header, major brand, minor version) to 4 KiB in steps of 4 (each
 * compatible brand is 4 bytes), then `ftyp` and a printable major brand. Text that merely has `ftyp` at offset 4
 * fails the size: `<htm` read as a size is about a gigabyte.
 */
function isFtypBox(head: Buffer): boolean {
  if (head.length < SNIFF_BYTES || !startsWith(head, [0x66, 0x74, 0x79, 0x70], 4)) return false;
  const size = head.readUInt32BE(0);
  if (size < 16 || size > 4096 || size % 4 !== 0) return false;
  return [...head.subarray(8, 12)].every((b) => b >= 0x20 && b <= 0x7e);
}

/**
 * MP4 (a well-formed ISO BMFF `ftyp` box first) or WebM (EBML header), else undefined; undefined too when the bytes
 * (up to {@link VIDEO_SNIFF_BYTES} of them) carry HTML markup a sniffing browser would render.
 */
export function sniffVideo(head: Buffer): VideoType | undefined {
  let type: VideoType | undefined;
  if (isFtypBox(head)) type = { extension: 'mp4', contentType: 'video/mp4' };
  else if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) type = { extension: 'webm', contentType: 'video/webm' };
  if (!type || MARKUP.test(head.subarray(0, VIDEO_SNIFF_BYTES).toString('latin1'))) return undefined;
  return type;
}
