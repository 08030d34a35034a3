/**
 * Stable error codes for marker generation. Callers (the upload route) branch on `code`, never on
 * the message text.
 *
 * - `VERTEX_ERR_IMAGE_DECODE`: the bytes are not a JPEG, PNG or WebP we can decode (garbage,
 *   truncated, another format such as GIF/SVG/TIFF).
 * - `VERTEX_ERR_IMAGE_TOO_LARGE`: the header declares more pixels than the decode cap allows.
 * - `VERTEX_ERR_MARKER_INVALID`: a marker handed to matching is malformed (descriptor length).
 */
export type MarkerErrorCode = 'VERTEX_ERR_IMAGE_DECODE' | 'VERTEX_ERR_IMAGE_TOO_LARGE' | 'VERTEX_ERR_MARKER_INVALID';

/** Options for {@link MarkerError}. */
export interface MarkerErrorOptions {
  /** What the caller can do about it, one line. */
  hint?: string;
  /** The underlying error (usually from sharp/libvips). */
  cause?: unknown;
}

/** Error thrown by portrait/marker generation; `code` is stable, `hint` says what to do. */
export class MarkerError extends Error {
  /** Stable machine-readable code. */
  readonly code: MarkerErrorCode;
  /** What to do about it, one line; may be empty. */
  readonly hint: string;

  constructor(code: MarkerErrorCode, message: string, options: MarkerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MarkerError';
    this.code = code;
    this.hint = options.hint ?? '';
  }
}
