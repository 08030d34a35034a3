/** Videos of a portrait: upload (streamed), list, and schedule. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { accountOf, authenticate } from '../auth/authenticate.ts';
import { invalidateAr } from '../ar/ar-content.ts';
import { invalid, notFound } from '../errors.ts';
import { receiveVideo } from '../uploads/video-upload.ts';
import { discardQuietly, storeWithRow } from '../uploads/store-with-row.ts';
import { isForeignKeyViolation } from '../db/sqlite.ts';
import { requireMultipart } from './portraits.ts';
import {
  bearerSecurity, errorResponses, idParams, listOf, pageQuery, videoSchema, type IdParams, type PageQuery,
} from './schemas.ts';
import { videoView } from './views.ts';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const common = { tags: ['videos'], security: bearerSecurity } as const;

/** A schedule bound, normalised to `toISOString()` so bounds compare as text. */
export function parseInstant(name: string, value: string | null | undefined): string | null {
  if (value === undefined || value === null || value === '') return null;
  const ms = Date.parse(value);
  if (!ISO_8601.test(value) || Number.isNaN(ms)) throw invalid(`${name} must be an ISO-8601 date-time with a time zone`);
  return new Date(ms).toISOString();
}

/** Validates a pair of bounds: each optional, but when both are set start must precede end. */
export function parseSchedule(startsAt: string | null | undefined, endsAt: string | null | undefined) {
  const starts = parseInstant('starts_at', startsAt);
  const ends = parseInstant('ends_at', endsAt);
  if (starts !== null && ends !== null && starts >= ends) throw invalid('starts_at must be before ends_at');
  return { starts, ends };
}

interface ScheduleBody {
  starts_at: string | null;
  ends_at: string | null;
}

/** Registers the video routes. */
export function registerVideoRoutes(app: FastifyInstance, ctx: AppContext): void {
  // onRequest, not preHandler: the token is checked before a byte of the body is read or parsed.
  const onRequest = authenticate(ctx);

  app.post<{ Params: IdParams }>('/portraits/:id/videos', {
    onRequest,
    schema: {
      ...common,
      description: 'multipart/form-data: file `video` (MP4 or WebM), optional fields `starts_at`, `ends_at` (ISO-8601).',
      consumes: ['multipart/form-data'],
      params: idParams,
      response: { 201: videoSchema, ...errorResponses(400, 401, 404, 413, 415) },
    },
  }, async (request, reply) => {
    const owner = accountOf(request);
    const portrait = await ctx.repos.portraits.find(request.params.id, owner.id);
    if (!portrait) throw notFound('portrait');
    requireMultipart(request);
    const upload = await receiveVideo(request, ctx.storage, ctx.limits.videoMaxBytes);
    const file = { staged: upload.staged, kind: 'vid', extension: upload.type.extension } as const;
    let schedule: ReturnType<typeof parseSchedule>;
    try {
      schedule = parseSchedule(upload.fields.starts_at, upload.fields.ends_at);
    } catch (err) {
      await discardQuietly(ctx.storage, [file]);
      throw err;
    }
    const row = await storeWithRow(ctx.storage, [file], ([key]) => ctx.repos.videos.create({
      user_id: owner.id, portrait_id: portrait.id, video_key: key, content_type: upload.type.contentType,
      size_bytes: upload.staged.sizeBytes, starts_at: schedule.starts, ends_at: schedule.ends, created_at: new Date(ctx.now()).toISOString(),
    }), (video) => ctx.repos.videos.delete(video.id)).catch((err: unknown) => {
      // The portrait was deleted while its video was being received: the row's foreign key refuses it.
      if (isForeignKeyViolation(err)) throw notFound('portrait');
      throw err;
    });
    await invalidateAr(ctx, portrait.public_id);
    return reply.status(201).send(videoView(row));
  });

  app.get<{ Params: IdParams; Querystring: PageQuery }>('/portraits/:id/videos', {
    onRequest,
    schema: { ...common, params: idParams, querystring: pageQuery, response: { 200: listOf(videoSchema), ...errorResponses(400, 401, 404) } },
  }, async (request) => {
    const portrait = await ctx.repos.portraits.find(request.params.id, accountOf(request).id);
    if (!portrait) throw notFound('portrait');
    // A portrait has a handful of videos: one query, paginated here, keeps the repository small.
    const rows = await ctx.repos.videos.listByPortrait(portrait.id);
    const { limit, offset } = request.query;
    return { items: rows.slice(offset, offset + limit).map(videoView), total: rows.length, limit, offset };
  });

  const bound = { type: ['string', 'null'], maxLength: 64 } as const;
  app.patch<{ Params: IdParams; Body: ScheduleBody }>('/videos/:id/schedule', {
    onRequest,
    schema: {
      ...common,
      params: idParams,
      body: { type: 'object', required: ['starts_at', 'ends_at'], additionalProperties: false, properties: { starts_at: bound, ends_at: bound } },
      response: { 200: videoSchema, ...errorResponses(400, 401, 404, 415) },
    },
  }, async (request) => {
    const owner = accountOf(request);
    const video = await ctx.repos.videos.find(request.params.id, owner.id);
    if (!video) throw notFound('video');
    const { starts, ends } = parseSchedule(request.body.starts_at, request.body.ends_at);
    const updated = await ctx.repos.videos.updateSchedule(video.id, starts, ends);
    if (!updated) throw notFound('video');
    // The AR entry is keyed by the portrait's public id (a cached row: no query on a warm cache).
    const portrait = await ctx.repos.portraits.find(video.portrait_id);
    if (portrait) await invalidateAr(ctx, portrait.public_id);
    return videoView(updated);
  });
}
