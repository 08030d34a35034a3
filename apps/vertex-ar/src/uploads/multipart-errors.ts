/** Classifies errors from the multipart parser (busboy), which carry neither a code nor a status. */
import { VertexError } from '../errors.ts';

const BUSBOY_MESSAGE = /multipart|boundary|part header|terminated early/i;

/** Rethrows `err`, as a 400 when it is the parser reporting a malformed body. */
export function rethrowMultipartError(err: unknown): never {
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (!(err instanceof VertexError) && e && e.code === undefined && e.statusCode === undefined && BUSBOY_MESSAGE.test(String(e.message))) {
    throw new VertexError('VERTEX_ERR_VALIDATION', `malformed multipart body: ${String(e.message)}`, { cause: err });
  }
  throw err;
}
