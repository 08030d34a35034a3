/** Landing page and health probes. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { isStorageFull } from '../errors.ts';

const LANDING_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vertex AR API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Vertex AR API</h1>
<p>Portraits that come alive: upload a portrait and a video, point a phone at the print.</p>
<ul><li><a href="/docs">API documentation</a></li><li><a href="/openapi.json">OpenAPI document</a></li>
<li><a href="/health">Health</a></li></ul>
</body></html>
`;

const checksSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded', 'failed'] },
    checks: {
      type: 'object',
      properties: { database: { type: 'string' }, storage: { type: 'string' }, cache: { type: 'string' } },
    },
  },
} as const;

// A readiness probe must answer within the prober's own timeout (3 s in deploy/k8s); a database that hangs (a full
// pool, a connection lost without a FIN) is reported as failed rather than making the probe wait for it.
const CHECK_TIMEOUT_MS = 2000;

const TIMED_OUT = Symbol('timed out');

/** A check's outcome: done, storage full, failed, or no answer within CHECK_TIMEOUT_MS. */
async function probe(fn: () => Promise<void>): Promise<'ok' | 'full' | 'failed' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([fn(), new Promise((resolve) => (timer = setTimeout(resolve, CHECK_TIMEOUT_MS, TIMED_OUT)))]);
    return outcome === TIMED_OUT ? 'timeout' : 'ok';
  } catch (err) {
    return isStorageFull(err) ? 'full' : 'failed';
  } finally {
    clearTimeout(timer);
  }
}

/** Registers `/`, `/health`, `/health/live`, `/health/ready`. */
export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(LANDING_HTML));

  // Liveness: the process answers. No checks on purpose — probes hit it often and must stay cheap.
  app.get('/health/live', {
    schema: { tags: ['health'], response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } },
  }, async () => ({ status: 'ok' }));

  // The database and storage are hard dependencies (503 without them); the cache is optional: when requests are
  // bypassing it the API still serves everything from the database, so readiness stays 200 and says `degraded`.
  // A full storage is `degraded` too, not `failed`: every read (the AR path, files) still works and only uploads
  // answer 507, and the replicas behind one balancer share the disk or bucket, so taking them out of rotation
  // would turn a refused upload into a refused everything.
  // A storage check that does not answer in time is `slow` (degraded), not failed: local-disk calls run on libuv's
  // thread pool, which password hashing and image work fill under load, so a busy process would otherwise report its
  // healthy disk as down and be taken out of rotation exactly when it is busiest. Only an error fails it. A
  // database that does not answer is failed: its queries go over sockets, not that pool.
  const checks = async () => {
    const [db, store, cache] = await Promise.all([probe(() => ctx.repos.check()), probe(() => ctx.storage.check()), ctx.cache.check()]);
    const database = db === 'timeout' ? 'failed' : db;
    const storage = store === 'timeout' ? 'slow' : store;
    const status = database !== 'ok' || storage === 'failed' ? 'failed' : cache === 'ok' && storage === 'ok' ? 'ok' : 'degraded';
    return { status, checks: { database, storage, cache } } as const;
  };
  const schema = { tags: ['health'], response: { 200: checksSchema, 503: checksSchema } };
  app.get('/health/ready', { schema }, async (_request, reply) => {
    const body = await checks();
    return reply.status(body.status === 'failed' ? 503 : 200).send(body);
  });
  // /health adds the effective settings (issue #8) and which worker answered.
  const fullSchema = {
    type: 'object',
    properties: {
      ...checksSchema.properties,
      settings: { type: 'object', additionalProperties: true },
      worker: { type: 'object', properties: { id: { type: 'integer' }, pid: { type: 'integer' } } },
    },
  } as const;
  app.get('/health', { schema: { tags: ['health'], response: { 200: fullSchema, 503: fullSchema } } }, async (_request, reply) => {
    const body = await checks();
    return reply.status(body.status === 'failed' ? 503 : 200).send({ ...body, settings: ctx.settings, worker: ctx.worker });
  });
}
