/** GET /ar/:portraitId — the public hot read path: one cache lookup, one counter increment, no write. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../context.ts';
import { arBody, getArEntry, peekArEntry, type ArEntry } from '../ar/ar-content.ts';
import { notFound } from '../errors.ts';
import { errorResponses, markerSummarySchema, videoSchema } from './schemas.ts';

const arSchema = {
  type: 'object',
  properties: {
    portrait_id: { type: 'integer' },
    image_url: { type: 'string' },
    thumbnail_url: { type: 'string' },
    marker: markerSummarySchema,
    video: { anyOf: [videoSchema, { type: 'null' }] },
  },
} as const;

const JSON_TYPE = 'application/json; charset=utf-8';

/** Registers the AR content route. */
export function registerArRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { portraitId: number } }>('/ar/:portraitId', {
    schema: {
      tags: ['ar'],
      description: 'Public AR content of a portrait; `video` is the one whose schedule is active now.',
      params: {
        type: 'object',
        required: ['portraitId'],
        properties: { portraitId: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
      },
      response: { 200: arSchema, ...errorResponses(400, 404) },
    },
  }, (request, reply) => {
    const id = request.params.portraitId;
    const cached = peekArEntry(ctx, id);
    if (cached !== undefined) return void reply.send(arReply(ctx, reply, id, cached));
    return getArEntry(ctx, id).then((entry) => {
      if (!entry) throw notFound('portrait');
      return arReply(ctx, reply, id, entry);
    });
  });
}

/**
 * Counts the view and gives the body: serialized once per cache entry and active video (ar-content.ts) with the
 * route's own response serializer, sent as the JSON string it is.
 */
function arReply(ctx: AppContext, reply: FastifyReply, id: number, entry: ArEntry): string {
  ctx.views.record(id);
  reply.type(JSON_TYPE);
  return arBody(entry, ctx.now(), reply);
}
