/** All routes, one registration function per area. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { registerAdminRoutes } from './admin.ts';
import { registerArRoutes } from './ar.ts';
import { registerAuthRoutes } from './auth.ts';
import { registerClientRoutes } from './clients.ts';
import { registerFileRoutes } from './files.ts';
import { registerHealthRoutes } from './health.ts';
import { registerPortraitRoutes } from './portraits.ts';
import { registerVideoRoutes } from './videos.ts';

/** Registers every route of the API on `app`. */
export function registerRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerHealthRoutes(app, ctx);
  registerAuthRoutes(app, ctx);
  registerClientRoutes(app, ctx);
  registerPortraitRoutes(app, ctx);
  registerVideoRoutes(app, ctx);
  registerArRoutes(app, ctx);
  registerFileRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
}
