/** buildApp: wires database, storage, cache, auth and routes into one Fastify instance. */
import { STATUS_CODES } from 'node:http';
import { resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyJwt from '@fastify/jwt';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Registry } from 'prom-client';
import type { AppContext, UploadLimits } from './context.ts';
import type { LoginLimiterOptions } from './auth/login-limiter.ts';
import { createContext } from './build-context.ts';
import { errorBodySchema, toVertexError } from './errors.ts';
import { installHttpMetrics, localScrape } from './metrics/http-metrics.ts';
import type { LogLine } from './db/query-observer.ts';
import type { S3StorageOptions } from './storage/s3-storage.ts';
import { createAdmissionServer, type AdmissionState } from './server/admission/admission.ts';
import type { ClusterLink } from './server/process/cluster-link.ts';
import { DEFAULT_TUNING, type Tuning } from './server/config/tuning.ts';
import type { PortraitGenerator } from './uploads/portrait-generator.ts';
import { resolveJwtSecret } from './server/config/jwt-secret.ts';
import { bootstrapAdmin } from './server/bootstrap/admin-bootstrap.ts';
import { registerRoutes } from './routes/index.ts';
import { createValidatorCompiler } from './server/admission/validators.ts';
import { installJsonDepthLimit } from './server/admission/json-depth.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry (what a cluster worker hands to the aggregator). */
    metricsRegistry: Registry;
  }
}

/** Options of {@link buildApp}. Paths default under `dataDir`. */
export interface AppOptions {
  /** Directory for the database, files and the generated JWT secret. */
  dataDir: string;
  /** SQLite file; default `<dataDir>/vertex-ar.sqlite`. */
  sqliteFile?: string;
  /** Object directory; default `<dataDir>/files`. */
  storageDir?: string;
  /** HS256 secret (≥ 32 chars); default: generated once into `<dataDir>/jwt-secret` (mode 0600). */
  jwtSecret?: string;
  /** Token lifetime in seconds; default 86400. */
  tokenTtlSeconds?: number;
  /** Admin to create or update at start (both or neither). */
  adminUsername?: string;
  adminPassword?: string;
  /** Upload limits in bytes; defaults 20 MB image, 200 MB video. */
  limits?: Partial<UploadLimits>;
  /** Failed-login limiting; default 10 failures per 5 minutes per address+username. */
  loginLimit?: LoginLimiterOptions;
  /** View-counter flush interval in ms; default 1000. */
  viewFlushIntervalMs?: number;
  /** Fastify request logging; default off (it costs more than the hot path itself). */
  logger?: boolean;
  /** Portrait generator; default `generatePortraitAssets` from `src/marker/`. */
  generatePortraitAssets?: PortraitGenerator;
  /** Wall clock in ms; default Date.now. */
  now?: () => number;
  /** PostgreSQL URL; when set the database is PostgreSQL and `sqliteFile` is ignored. */
  postgresUrl?: string;
  /** PostgreSQL pool size per process; default 10. */
  poolSize?: number;
  /** PostgreSQL: ms to wait for a free pooled connection before a 503; default 5000. */
  acquireTimeoutMs?: number;
  /** Slow-query threshold in ms (logged with EXPLAIN and counted); negative disables; default 250. */
  slowQueryMs?: number;
  /** Run migrations at start; default true (cluster workers: false, the primary migrated). */
  migrate?: boolean;
  /** Structured log sink (slow queries, cache circuit changes); default JSON lines on stderr. */
  log?: (line: LogLine) => void;
  /** S3 storage; when set, `storageDir` is ignored. */
  s3?: S3StorageOptions;
  /** `redis://…` cache, or `none` (no caching, for measurements); default the in-process LRU. */
  cacheUrl?: string;
  /** Redis key prefix; default `vertex-ar:`. */
  cachePrefix?: string;
  /** LRU size bound in keys; default 10 000. */
  cacheMaxEntries?: number;
  /** Cache entry lifetime in ms; default 60 000. */
  cacheTtlMs?: number;
  /** Redis: an operation not done within this many ms is bypassed (the request uses the database); default 50. */
  cacheTimeoutMs?: number;
  /** Redis: consecutive failures that open the circuit breaker (no request tries Redis then); default 5. */
  cacheBreakerThreshold?: number;
  /** Redis: how long the circuit stays open before a probe, in ms; default 5000. */
  cacheBreakerCooldownMs?: number;
  /** Worker tuning (concurrency limit and keep-alive apply here; the rest is shown on /health). */
  tuning?: Tuning;
  /** Set in a cluster worker: relayed invalidations and aggregated metrics. */
  cluster?: ClusterLink;
  /** Collect process and Node.js default metrics; default true. */
  defaultMetrics?: boolean;
}

export { DEFAULT_LIMITS } from './build-context.ts';

async function registerPlugins(app: FastifyInstance, ctx: AppContext, secret: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Vertex AR API', version: '0.1.0', description: 'Portraits, videos and public AR content.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyJwt, {
    secret,
    // @fastify/jwt reads a numeric expiresIn as seconds.
    sign: { algorithm: 'HS256', expiresIn: ctx.tokenTtlSeconds },
    // Pinning the algorithm is what rejects `alg: none` and algorithm-confusion tokens.
    verify: { algorithms: ['HS256'] },
  });
}

function installErrorHandling(app: FastifyInstance, ctx: AppContext): void {
  app.setErrorHandler((err, request, reply) => {
    const e = toVertexError(err);
    if (e.statusCode === 503) reply.header('retry-after', '1');
    else if (e.statusCode >= 500) {
      ctx.metrics.exceptions.inc({ route: request.routeOptions.url ?? 'unmatched' });
      request.log.error({ err }, 'request failed');
    }
    // A body a consumer began to read and dropped halfway (the multipart parser, when the disk filled up mid-upload)
    // is not drained by Node, which closes the connection after the answer: say so, or a client that reuses the
    // connection meets a reset. A body never touched (a 401 before it is read) Node drains, keeping the connection.
    if (!request.raw.complete && request.raw.readableFlowing !== null) reply.header('connection', 'close');
    // A handler may have set a file's content type before failing; the error body is always JSON.
    reply.header('content-type', 'application/json; charset=utf-8');
    reply.status(e.statusCode).send({ error: { code: e.code, message: e.message } });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'VERTEX_ERR_NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0]}` } });
  });
}

/**
 * Builds the application, ready for `inject()` or `listen()`. Opens (and migrates) the database;
 * `app.close()` flushes view counts and closes it.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const ctx = await createContext(options);
  const tuning = options.tuning ?? DEFAULT_TUNING;
  const admission: AdmissionState = { inFlight: 0 };
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: false,
    // During a graceful shutdown, requests already on open connections are served (with
    // `Connection: close`), not refused: they were accepted before the shutdown began.
    return503OnClosing: false,
    // The router's own rejections (a path parameter over 100 characters, a broken %-encoding) answer in the error
    // envelope like every other 4xx, without echoing the path back (issue 12: found by the fuzz test).
    frameworkErrors: (err, _request, reply) => {
      const message = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is too long' : 'malformed URL';
      void (reply as FastifyReply).status(400).send({ error: { code: 'VERTEX_ERR_VALIDATION', message } });
    },
    // Node's parser refused a request (bad framing, an oversized head). Answer as Node itself would — once, and
    // never on a connection that already carries a response (Fastify's default wrote a second, unasked-for 400
    // after the app had answered) — but in the API's error envelope. Found by the raw-socket framing tests.
    clientErrorHandler: (err, socket) => {
      const code = (err as NodeJS.ErrnoException).code;
      // Node's own rule: reply unless the response in flight on this socket has begun to be written.
      const inFlight = (socket as { _httpMessage?: { _headerSent?: boolean } })._httpMessage;
      if (code !== 'ECONNRESET' && socket.writable && !inFlight?._headerSent) {
        const [status, errorCode, message] = code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'VERTEX_ERR_TOO_LARGE', 'request headers too large']
          : code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'VERTEX_ERR_VALIDATION', 'request not received in time']
            : [400, 'VERTEX_ERR_VALIDATION', 'malformed HTTP request'];
        const body = JSON.stringify({ error: { code: errorCode, message } });
        socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      }
      socket.destroy(err);
    },
    serverFactory: createAdmissionServer({
      concurrencyLimit: tuning.concurrencyLimit,
      keepAliveTimeoutMs: tuning.keepAliveTimeoutMs,
      onReject: () => ctx.metrics.httpRejected.inc({ reason: 'concurrency_limit' }),
    }, admission),
  });
  ctx.metrics.inFlightSource = () => admission.inFlight;
  app.decorate('metricsRegistry', ctx.metrics.registry);
  app.addHook('onClose', async () => {
    await ctx.views.close();
    await ctx.cache.close();
    await ctx.repos.close();
    ctx.storage.close?.();
  });
  try {
    const secret = await resolveJwtSecret(resolve(options.dataDir), options.jwtSecret);
    if (options.adminUsername && options.adminPassword) {
      await bootstrapAdmin(ctx.repos, options.adminUsername, options.adminPassword);
    }
    app.addSchema(errorBodySchema);
    // Unknown body fields are a 400 (Fastify's default strips them silently) and body types are not coerced.
    app.setValidatorCompiler(createValidatorCompiler([]));
    app.decorateRequest('account', null);
    // Bodies are JSON or multipart; a text/plain body is a client mistake (415), not a string to validate.
    app.removeContentTypeParser('text/plain');
    installJsonDepthLimit(app);
    installErrorHandling(app, ctx);
    installHttpMetrics(app, ctx.metrics, options.cluster?.scrape ?? localScrape(ctx.metrics));
    await registerPlugins(app, ctx, secret);
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    registerRoutes(app, ctx);
    await app.ready();
  } catch (err) {
    await app.close().catch(() => {});
    throw err;
  }
  return app;
}
