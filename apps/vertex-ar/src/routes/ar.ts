/** GET /ar/:portraitId — the public hot read path: one cache lookup, one counter increment, no write. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { arDocument, getArEntry } from '../ar/ar-content.ts';
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
  }, async (request) => {
    const id = request.params.portraitId;
    const entry = await getArEntry(ctx, id);
    if (!entry) throw notFound('portrait');
    ctx.views.record(id);
    return arDocument(entry, ctx.now());
  });
}
