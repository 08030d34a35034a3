/** /admin/*: whole-service views for the admin role. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { requireAdmin } from '../auth/authenticate.ts';
import { bearerSecurity, clientSchema, errorResponses, listOf, pageQuery, portraitSchema, userSchema, type PageQuery } from './schemas.ts';
import { clientView, portraitView, userView } from './views.ts';

const common = { tags: ['admin'], security: bearerSecurity } as const;

const storageSchema = {
  type: 'object',
  properties: {
    backend: { type: 'string' },
    bytes: { type: 'integer' },
    files: { type: 'integer' },
    check: { type: 'string', enum: ['ok', 'failed'] },
    error: { type: 'string' },
  },
} as const;

/** Registers the admin routes. */
export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  // onRequest, not preHandler: the token is checked before a byte of the body is read or parsed.
  const onRequest = requireAdmin(ctx);
  const listSchema = (item: object) => ({ ...common, querystring: pageQuery, response: { 200: listOf(item), ...errorResponses(400, 401, 403) } });

  app.get<{ Querystring: PageQuery }>('/admin/users', { onRequest, schema: listSchema(userSchema) }, async (request) => {
    const { limit, offset } = request.query;
    const page = await ctx.repos.users.list({ limit, offset });
    return { items: page.items.map(userView), total: page.total, limit, offset };
  });

  app.get<{ Querystring: PageQuery }>('/admin/clients', { onRequest, schema: listSchema(clientSchema) }, async (request) => {
    const { limit, offset } = request.query;
    const page = await ctx.repos.clients.list({ limit, offset });
    return { items: page.items.map(clientView), total: page.total, limit, offset };
  });

  app.get<{ Querystring: PageQuery }>('/admin/portraits', { onRequest, schema: listSchema(portraitSchema) }, async (request) => {
    const { limit, offset } = request.query;
    const page = await ctx.repos.portraits.list({ limit, offset }, {});
    return { items: page.items.map(portraitView), total: page.total, limit, offset };
  });

  app.get('/admin/storage', {
    onRequest,
    schema: { ...common, response: { 200: storageSchema, ...errorResponses(401, 403) } },
  }, async () => {
    const usage = await ctx.storage.usage();
    try {
      await ctx.storage.check();
      return { backend: ctx.storage.backend, ...usage, check: 'ok' };
    } catch (err) {
      return { backend: ctx.storage.backend, ...usage, check: 'failed', error: (err as Error).message };
    }
  });
}
