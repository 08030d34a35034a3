/** /clients: a user's own clients. Someone else's client answers 404, never 403, to hide it exists. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { accountOf, authenticate } from '../auth/authenticate.ts';
import type { ClientPatch } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { deletePortraitCompletely } from './portrait-removal.ts';
import { bearerSecurity, clientSchema, errorResponses, idParams, listOf, pageQuery, type IdParams, type PageQuery } from './schemas.ts';
import { clientView } from './views.ts';

// PostgreSQL text cannot hold NUL (it answered 500, found over a real socket, issue 24): refused on every
// database alike, so the API does not depend on which one it runs on.
const NO_NUL = '^[^\\u0000]*$';
const optionalText = (max: number) => ({ type: ['string', 'null'], maxLength: max, pattern: NO_NUL }) as const;
const fields = {
  name: { type: 'string', minLength: 1, maxLength: 200, pattern: NO_NUL },
  phone: optionalText(50),
  email: optionalText(254),
  notes: optionalText(5000),
} as const;

interface ClientBody {
  name: string;
  phone?: string | null;
  email?: string | null;
  notes?: string | null;
}

const common = { tags: ['clients'], security: bearerSecurity } as const;

/** Registers the client routes. */
export function registerClientRoutes(app: FastifyInstance, ctx: AppContext): void {
  // onRequest, not preHandler: the token is checked before a byte of the body is read or parsed.
  const onRequest = authenticate(ctx);

  app.post<{ Body: ClientBody }>('/clients', {
    onRequest,
    schema: {
      ...common,
      body: { type: 'object', required: ['name'], additionalProperties: false, properties: fields },
      response: { 201: clientSchema, ...errorResponses(400, 401, 415) },
    },
  }, async (request, reply) => {
    const now = new Date(ctx.now()).toISOString();
    const b = request.body;
    const client = await ctx.repos.clients.create({
      user_id: accountOf(request).id, name: b.name, phone: b.phone ?? null, email: b.email ?? null, notes: b.notes ?? null,
      created_at: now, updated_at: now,
    });
    return reply.status(201).send(clientView(client));
  });

  app.get<{ Querystring: PageQuery }>('/clients', {
    onRequest,
    schema: { ...common, querystring: pageQuery, response: { 200: listOf(clientSchema), ...errorResponses(400, 401) } },
  }, async (request) => {
    const { limit, offset } = request.query;
    const page = await ctx.repos.clients.list({ limit, offset }, accountOf(request).id);
    return { items: page.items.map(clientView), total: page.total, limit, offset };
  });

  app.get<{ Params: IdParams }>('/clients/:id', {
    onRequest,
    schema: { ...common, params: idParams, response: { 200: clientSchema, ...errorResponses(400, 401, 404) } },
  }, async (request) => {
    const client = await ctx.repos.clients.find(request.params.id, accountOf(request).id);
    if (!client) throw notFound('client');
    return clientView(client);
  });

  app.patch<{ Params: IdParams; Body: Partial<ClientBody> }>('/clients/:id', {
    onRequest,
    schema: {
      ...common,
      params: idParams,
      body: { type: 'object', minProperties: 1, additionalProperties: false, properties: fields },
      response: { 200: clientSchema, ...errorResponses(400, 401, 404, 415) },
    },
  }, async (request) => {
    const patch: ClientPatch = { ...request.body, updated_at: new Date(ctx.now()).toISOString() };
    const client = await ctx.repos.clients.update(request.params.id, accountOf(request).id, patch);
    if (!client) throw notFound('client');
    return clientView(client);
  });

  app.delete<{ Params: IdParams }>('/clients/:id', {
    onRequest,
    schema: { ...common, params: idParams, response: { 204: { type: 'null' }, ...errorResponses(400, 401, 404) } },
  }, async (request, reply) => {
    const ownerId = accountOf(request).id;
    const client = await ctx.repos.clients.find(request.params.id, ownerId);
    if (!client) throw notFound('client');
    // Portraits go first, one by one, so their files and cached AR entries go with them.
    for (const portrait of await ctx.repos.portraits.listByClient(client.id)) await deletePortraitCompletely(ctx, portrait);
    await ctx.repos.clients.delete(client.id, ownerId);
    return reply.status(204).send();
  });
}
