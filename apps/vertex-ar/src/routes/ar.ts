/** GET /ar/:portraitId — the public hot read path: one cache lookup, one counter increment, no write. */
import type { FastifyInstance } from 'fastify';
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
    // The document is serialized once per cache entry and active video (ar-content.ts) with this route's own
    // response serializer, and sent as the JSON string it is.
    const body = (entry: ArEntry) => {
      ctx.views.record(id);
      reply.type(JSON_TYPE);
      return arBody(entry, ctx.now(), (doc) => reply.serializeInput({ ...doc }, '200') as string);
    };
    const cached = peekArEntry(ctx, id);
    if (cached !== undefined) return void reply.send(body(cached));
    return getArEntry(ctx, id).then((entry) => {
      if (!entry) throw notFound('portrait');
      return body(entry);
    });
  });
}
