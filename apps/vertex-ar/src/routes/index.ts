/** All routes, one registration function per area. */
import type { FastifyInstance } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import type { AppContext } from '../context.ts';
import { registerAdminRoutes } from './admin.ts';
import { registerArRoutes } from './ar.ts';
import { registerAuthRoutes } from './auth.ts';
import { registerClientRoutes } from './clients.ts';
import { registerFileRoutes } from './files.ts';
import { registerHealthRoutes } from './health.ts';
import { registerPortraitRoutes } from './portraits.ts';
import { registerVideoRoutes } from './videos.ts';
import { registerLiveRoutes } from '../live/ar-live.ts';

/** Registers every route of the API on `app`. */
export function registerRoutes(app: FastifyInstance, ctx: AppContext): void {
  // First: it watches the writes of the routes declared after it.
  registerLiveRoutes(app, ctx);
  registerHealthRoutes(app, ctx);
  registerAuthRoutes(app, ctx);
  registerClientRoutes(app, ctx);
  // Multipart only where the uploads are: @fastify/multipart adds an async onRequest hook (a closure and a
  // 'close' listener) and an async onResponse hook to every route of its scope, which cost the hot reads
  // (/health/live, /ar/:id) a promise chain per request for nothing (issue 11, goal 6).
  app.register(async (uploads) => {
    await uploads.register(fastifyMultipart, {
      limits: { fileSize: Math.max(ctx.limits.imageMaxBytes, ctx.limits.videoMaxBytes), files: 1, fields: 10, parts: 12 },
    });
    registerPortraitRoutes(uploads, ctx);
    registerVideoRoutes(uploads, ctx);
  });
  registerArRoutes(app, ctx);
  registerFileRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
}
