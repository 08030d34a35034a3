/** /portraits: upload (generation happens inside the request), list, read, delete. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { accountOf, authenticate } from '../auth/authenticate.ts';
import { newPublicId } from '../ar/public-id.ts';
import type { PortraitRow } from '../db/schema.ts';
import { invalid, notFound, VertexError } from '../errors.ts';
import { rethrowMultipartError } from '../uploads/multipart-errors.ts';
import { sniffImage, type ImageType } from '../uploads/sniff.ts';
import type { PortraitAssets } from '../uploads/portrait-generator.ts';
import { deletePortraitCompletely } from './portrait-removal.ts';
import { discardQuietly, storeWithRow, type PendingFile } from '../uploads/store-with-row.ts';
import { isForeignKeyViolation } from '../db/sqlite.ts';
import {
  bearerSecurity, errorResponses, idParams, listOf, pageQueryProperties, portraitSchema, type IdParams, type PageQuery,
} from './schemas.ts';
import { portraitView } from './views.ts';

const ID_TEXT = /^[1-9][0-9]{0,15}$/;
const common = { tags: ['portraits'], security: bearerSecurity } as const;

interface PortraitUpload {
  clientId: number;
  image: Buffer;
}

/** Requires a multipart request; anything else is a 415 before a byte of it is read. */
export function requireMultipart(request: FastifyRequest): void {
  if (!request.isMultipart()) {
    throw new VertexError('VERTEX_ERR_UNSUPPORTED_MEDIA_TYPE', 'expected a multipart/form-data body');
  }
}

/** Parses a positive integer id sent as a multipart text field. */
export function parseIdField(name: string, value: string | undefined): number {
  if (value === undefined) throw invalid(`field ${name} is required`);
  if (!ID_TEXT.test(value) || !Number.isSafeInteger(Number(value))) throw invalid(`field ${name} must be a positive integer`);
  return Number(value);
}

async function readUpload(request: FastifyRequest, maxBytes: number): Promise<PortraitUpload> {
  requireMultipart(request);
  let clientId: string | undefined;
  let image: Buffer | undefined;
  const parts = request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12 } });
  try {
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname !== 'image') throw invalid(`unexpected file field ${part.fieldname}; send the image as "image"`);
        // Images are bounded (20 MB default) and the generator needs them whole, so buffering is the plan.
        image = await part.toBuffer();
      } else if (part.fieldname === 'client_id') {
        clientId = String(part.value);
      }
    }
  } catch (err) {
    rethrowMultipartError(err);
  }
  if (!image) throw invalid('file field image is required');
  return { clientId: parseIdField('client_id', clientId), image };
}

async function generate(ctx: AppContext, image: Buffer): Promise<PortraitAssets> {
  try {
    return await ctx.generatePortraitAssets(image);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'VERTEX_ERR_IMAGE_DECODE') {
      throw new VertexError('VERTEX_ERR_IMAGE_DECODE', 'the image could not be decoded', { cause: err });
    }
    if (code === 'VERTEX_ERR_IMAGE_TOO_LARGE') {
      throw new VertexError('VERTEX_ERR_TOO_LARGE', 'the image has too many pixels', { cause: err });
    }
    throw err;
  }
}

async function storePortrait(ctx: AppContext, ownerId: number, clientId: number, image: Buffer, type: ImageType, assets: PortraitAssets): Promise<PortraitRow> {
  const files: PendingFile[] = [];
  try {
    files.push({ staged: await ctx.storage.stage(image), kind: 'img', extension: type.extension });
    files.push({ staged: await ctx.storage.stage(assets.thumbnail), kind: 'thumb', extension: 'jpg' });
    files.push({ staged: await ctx.storage.stage(Buffer.from(JSON.stringify(assets.marker))), kind: 'marker', extension: 'json' });
  } catch (err) {
    await discardQuietly(ctx.storage, files);
    throw err;
  }
  try {
    return await storeWithRow(ctx.storage, files, ([imageKey, thumbnailKey, markerKey]) => ctx.repos.portraits.create({
      public_id: newPublicId(), user_id: ownerId, client_id: clientId, image_key: imageKey, thumbnail_key: thumbnailKey, marker_key: markerKey,
      format: assets.format, width: assets.width, height: assets.height, image_bytes: image.length,
      keypoint_count: assets.marker.keypoints.length, marker_width: assets.marker.width, marker_height: assets.marker.height,
      created_at: new Date(ctx.now()).toISOString(),
    }), (portrait) => ctx.repos.portraits.delete(portrait.id));
  } catch (err) {
    // The client was deleted while its portrait was being generated: the row's foreign key refuses it.
    if (isForeignKeyViolation(err)) throw notFound('client');
    throw err;
  }
}

/** Registers the portrait routes. */
export function registerPortraitRoutes(app: FastifyInstance, ctx: AppContext): void {
  // onRequest, not preHandler: the token is checked before a byte of the body is read or parsed.
  const onRequest = authenticate(ctx);

  app.post('/portraits', {
    onRequest,
    schema: {
      ...common,
      description: 'multipart/form-data: field `client_id`, file `image` (JPEG, PNG or WebP).',
      consumes: ['multipart/form-data'],
      response: { 201: portraitSchema, ...errorResponses(400, 401, 404, 413, 415) },
    },
  }, async (request, reply) => {
    const owner = accountOf(request);
    const upload = await readUpload(request, ctx.limits.imageMaxBytes);
    if (!(await ctx.repos.clients.find(upload.clientId, owner.id))) throw notFound('client');
    const type = sniffImage(upload.image);
    if (!type) throw new VertexError('VERTEX_ERR_UNSUPPORTED_MEDIA_TYPE', 'image must be JPEG, PNG or WebP');
    const assets = await generate(ctx, upload.image);
    const row = await storePortrait(ctx, owner.id, upload.clientId, upload.image, type, assets);
    return reply.status(201).send(portraitView(row));
  });

  app.get<{ Querystring: PageQuery & { client_id?: number } }>('/portraits', {
    onRequest,
    schema: {
      ...common,
      querystring: {
        type: 'object',
        properties: { ...pageQueryProperties, client_id: idParams.properties.id },
      },
      response: { 200: listOf(portraitSchema), ...errorResponses(400, 401) },
    },
  }, async (request) => {
    const { limit, offset, client_id: clientId } = request.query;
    const page = await ctx.repos.portraits.list({ limit, offset }, { ownerId: accountOf(request).id, clientId });
    return { items: page.items.map(portraitView), total: page.total, limit, offset };
  });

  app.get<{ Params: IdParams }>('/portraits/:id', {
    onRequest,
    schema: { ...common, params: idParams, response: { 200: portraitSchema, ...errorResponses(400, 401, 404) } },
  }, async (request) => {
    const portrait = await ctx.repos.portraits.find(request.params.id, accountOf(request).id);
    if (!portrait) throw notFound('portrait');
    return portraitView(portrait);
  });

  app.delete<{ Params: IdParams }>('/portraits/:id', {
    onRequest,
    schema: { ...common, params: idParams, response: { 204: { type: 'null' }, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) => {
    const portrait = await ctx.repos.portraits.find(request.params.id, accountOf(request).id);
    if (!portrait) throw notFound('portrait');
    await deletePortraitCompletely(ctx, portrait);
    return reply.status(204).send();
  });
}
