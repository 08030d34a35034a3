/**
 * Errors of the Vertex AR API. Every client mistake becomes a {@link VertexError} with a stable `code`
 * and a 4xx status, rendered as `{ "error": { "code", "message" } }`. Callers branch on `code`.
 */

/** Stable error codes; the HTTP status each one answers with is fixed in {@link STATUS_BY_CODE}. */
export type VertexErrorCode =
  | 'VERTEX_ERR_VALIDATION'
  | 'VERTEX_ERR_MALFORMED_JSON'
  | 'VERTEX_ERR_UNAUTHORIZED'
  | 'VERTEX_ERR_FORBIDDEN'
  | 'VERTEX_ERR_NOT_FOUND'
  | 'VERTEX_ERR_CONFLICT'
  | 'VERTEX_ERR_TOO_LARGE'
  | 'VERTEX_ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'VERTEX_ERR_IMAGE_DECODE'
  | 'VERTEX_ERR_RATE_LIMITED'
  | 'VERTEX_ERR_RANGE_NOT_SATISFIABLE'
  | 'VERTEX_ERR_UNAVAILABLE'
  | 'VERTEX_ERR_DB_UNAVAILABLE'
  | 'VERTEX_ERR_STORAGE_FULL'
  | 'VERTEX_ERR_INTERNAL';

/** HTTP status for each code. */
export const STATUS_BY_CODE: Readonly<Record<VertexErrorCode, number>> = {
  VERTEX_ERR_VALIDATION: 400,
  VERTEX_ERR_MALFORMED_JSON: 400,
  VERTEX_ERR_UNAUTHORIZED: 401,
  VERTEX_ERR_FORBIDDEN: 403,
  VERTEX_ERR_NOT_FOUND: 404,
  VERTEX_ERR_CONFLICT: 409,
  VERTEX_ERR_TOO_LARGE: 413,
  VERTEX_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  VERTEX_ERR_IMAGE_DECODE: 415,
  VERTEX_ERR_RATE_LIMITED: 429,
  VERTEX_ERR_RANGE_NOT_SATISFIABLE: 416,
  VERTEX_ERR_UNAVAILABLE: 503,
  // The database cannot be reached (connection refused, reset or cut mid-query); retry once it is back.
  VERTEX_ERR_DB_UNAVAILABLE: 503,
  // No space left where files (or the SQLite database) are written: nothing was stored; retry once space is freed.
  VERTEX_ERR_STORAGE_FULL: 507,
  VERTEX_ERR_INTERNAL: 500,
};

/** An API error with a stable code; its status comes from the code. */
export class VertexError extends Error {
  readonly code: VertexErrorCode;
  readonly statusCode: number;

  constructor(code: VertexErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VertexError';
    this.code = code;
    this.statusCode = STATUS_BY_CODE[code];
  }
}

/** The JSON body every error response carries. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** JSON schema of {@link ErrorBody}, referenced by every route's error responses. */
export const errorBodySchema = {
  $id: 'ErrorBody',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

/** Shorthand for the most common error: hides whether the thing exists for someone else. */
export function notFound(what: string): VertexError {
  return new VertexError('VERTEX_ERR_NOT_FOUND', `${what} not found`);
}

/** Shorthand for a 400 on a field. */
export function invalid(message: string): VertexError {
  return new VertexError('VERTEX_ERR_VALIDATION', message);
}

// Errors raised by Fastify and its plugins, by their own `code`, mapped onto ours so that a
// client mistake caught by the framework looks exactly like one caught by a handler.
const FRAMEWORK_CODES: Readonly<Record<string, VertexErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'VERTEX_ERR_MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VERTEX_ERR_MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'VERTEX_ERR_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'VERTEX_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VERTEX_ERR_VALIDATION',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'VERTEX_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_REQ_FILE_TOO_LARGE: 'VERTEX_ERR_TOO_LARGE',
  FST_PARTS_LIMIT: 'VERTEX_ERR_TOO_LARGE',
  FST_FILES_LIMIT: 'VERTEX_ERR_TOO_LARGE',
  FST_FIELDS_LIMIT: 'VERTEX_ERR_TOO_LARGE',
  FST_PROTO_VIOLATION: 'VERTEX_ERR_VALIDATION',
  FST_MULTIPART_PREMATURE_CLOSE: 'VERTEX_ERR_VALIDATION',
};

/** True when `err` says the disk or bucket has no space left: a local ENOSPC/EDQUOT, SQLite's SQLITE_FULL, an S3 507. */
export function isStorageFull(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  if (!e) return false;
  return e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.code === 'SQLITE_FULL' || e.name === 'XMinioStorageFull' || e.$metadata?.httpStatusCode === 507;
}

/** Shape of errors thrown by Fastify, its plugins and Node (duck-typed: they share no base class). */
interface FrameworkError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: unknown;
}

/**
 * Turns anything thrown while handling a request into a {@link VertexError}.
 * Unknown errors with a 4xx status keep their status; everything else becomes a 500.
 */
export function toVertexError(err: unknown): VertexError {
  if (err instanceof VertexError) return err;
  const e = (err ?? {}) as FrameworkError;
  if (isStorageFull(err)) return new VertexError('VERTEX_ERR_STORAGE_FULL', 'storage is full: nothing was stored', { cause: err });
  if (e.validation) return new VertexError('VERTEX_ERR_VALIDATION', e.message ?? 'invalid request');
  const mapped = e.code ? FRAMEWORK_CODES[e.code] : undefined;
  if (mapped) return new VertexError(mapped, e.message ?? mapped, { cause: err });
  if (e.code?.startsWith('FST_JWT') || e.code === 'FAST_JWT_INVALID_ALGORITHM') {
    return new VertexError('VERTEX_ERR_UNAUTHORIZED', 'invalid or missing bearer token', { cause: err });
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return fromStatus(e.statusCode, e.message ?? 'bad request', err);
  }
  return new VertexError('VERTEX_ERR_INTERNAL', 'internal server error', { cause: err });
}

function fromStatus(status: number, message: string, cause: unknown): VertexError {
  const byStatus: Record<number, VertexErrorCode> = {
    401: 'VERTEX_ERR_UNAUTHORIZED',
    403: 'VERTEX_ERR_FORBIDDEN',
    404: 'VERTEX_ERR_NOT_FOUND',
    406: 'VERTEX_ERR_UNSUPPORTED_MEDIA_TYPE',
    409: 'VERTEX_ERR_CONFLICT',
    413: 'VERTEX_ERR_TOO_LARGE',
    415: 'VERTEX_ERR_UNSUPPORTED_MEDIA_TYPE',
    416: 'VERTEX_ERR_RANGE_NOT_SATISFIABLE',
    429: 'VERTEX_ERR_RATE_LIMITED',
  };
  return new VertexError(byStatus[status] ?? 'VERTEX_ERR_VALIDATION', message, { cause });
}
