/**
 * GET /ar/:publicId — the public hot read path: one cache lookup, one counter increment, no write. The path takes
 * the portrait's unguessable public id, never its sequential row id, so the content cannot be enumerated
 * (issue 19, item 6); nor does the body name the row id.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../context.ts';
import { arBody, getArEntry, peekArEntry, type ArEntry } from '../ar/ar-content.ts';
import { isPublicId, PUBLIC_ID_PATTERN } from '../ar/public-id.ts';
import { notFound } from '../errors.ts';
import { errorResponses, markerSummarySchema, videoSchema } from './schemas.ts';

// The public video: the owner's shape without `portrait_id` (the serializer drops what the schema does not name).
const { portrait_id: _internalId, ...publicVideoProperties } = videoSchema.properties;

const arSchema = {
  type: 'object',
  properties: {
    public_id: { type: 'string' },
    image_url: { type: 'string' },
    thumbnail_url: { type: 'string' },
    marker: markerSummarySchema,
    video: { anyOf: [{ type: 'object', properties: publicVideoProperties }, { type: 'null' }] },
  },
} as const;

const JSON_TYPE = 'application/json; charset=utf-8';

/** Registers the AR content route. */
export function registerArRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { publicId: string } }>('/ar/:publicId', {
    schema: {
      tags: ['ar'],
      description: 'Public AR content of a portrait, by its `public_id`; `video` is the one whose schedule is active now.',
      params: {
        type: 'object',
        required: ['publicId'],
        // Not validated by the pattern here: any other value (a numeric id too) is an unknown portrait, a 404.
        properties: { publicId: { type: 'string', description: `the portrait's public_id (${PUBLIC_ID_PATTERN})` } },
      },
      response: { 200: arSchema, ...errorResponses(400, 404) },
    },
  }, (request, reply) => {
    const id = request.params.publicId;
    const cached = peekArEntry(ctx, id);
    if (cached !== undefined) return void reply.send(arReply(ctx, reply, cached));
    // A value that cannot be a public id costs neither a cache nor a database lookup.
    if (!isPublicId(id)) throw notFound('portrait');
    return getArEntry(ctx, id).then((entry) => {
      if (!entry) throw notFound('portrait');
      return arReply(ctx, reply, entry);
    });
  });
}

/**
 * Counts the view and gives the body: serialized once per cache entry and active video (ar-content.ts) with the
 * route's own response serializer, sent as the JSON string it is.
 */
function arReply(ctx: AppContext, reply: FastifyReply, entry: ArEntry): string {
  ctx.views.record(entry.portrait.id);
  reply.type(JSON_TYPE);
  return arBody(entry, ctx.now(), reply);
}
