/** GET /files/:key — stored objects, public (keys are unguessable), with single-range support. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { notFound, VertexError } from '../errors.ts';
import { contentTypeOf, STORAGE_KEY_PATTERN } from '../storage/keys.ts';
import { errorResponses } from './schemas.ts';
import { parseRange } from './http-range.ts';

/** Registers the file route. */
export function registerFileRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { key: string } }>('/files/:key', {
    schema: {
      tags: ['files'],
      description: 'Streams a stored file. Supports `Range: bytes=start-end` (206) and answers 416 outside the file.',
      // The pattern is the whole defence against path tricks: a key is `<kind>-<hex>.<ext>` or a 400.
      params: { type: 'object', required: ['key'], properties: { key: { type: 'string', pattern: STORAGE_KEY_PATTERN } } },
      response: errorResponses(400, 404, 416),
    },
  }, async (request, reply) => {
    const { key } = request.params;
    const stat = await ctx.storage.stat(key);
    if (!stat) throw notFound('file');
    const size = stat.sizeBytes;
    const range = parseRange(request.headers.range, size);
    if (range.kind === 'unsatisfiable') {
      reply.header('content-range', `bytes */${size}`);
      throw new VertexError('VERTEX_ERR_RANGE_NOT_SATISFIABLE', `range not satisfiable for ${size} bytes`);
    }
    const stream = await ctx.storage.get(key, range.kind === 'partial' ? range.range : undefined);
    reply
      .header('content-type', contentTypeOf(key))
      // Served as stored, never as a browser's guess: a file that sniffs as HTML is not rendered as a page.
      .header('x-content-type-options', 'nosniff')
      .header('accept-ranges', 'bytes')
      // A key never changes content (new content gets a new key), so clients may cache forever.
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('etag', `"${key}"`);
    if (range.kind === 'partial') {
      const { start, end } = range.range;
      reply.status(206).header('content-range', `bytes ${start}-${end}/${size}`).header('content-length', end - start + 1);
    } else {
      reply.header('content-length', size);
    }
    return reply.send(stream);
  });
}
