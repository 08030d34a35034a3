/** buildApp: wires database, storage, cache, auth and routes into one Fastify instance. */
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyJwt from '@fastify/jwt';
import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { AppContext, UploadLimits } from './context.ts';
import { LruCache } from './cache/cache.ts';
import { LoginLimiter, type LoginLimiterOptions } from './auth/login-limiter.ts';
import { ViewCounter } from './ar/view-counter.ts';
import type { ArEntry } from './ar/ar-content.ts';
import { openDatabase } from './db/open-database.ts';
import { errorBodySchema, toVertexError } from './errors.ts';
import { LocalStorage } from './storage/local-storage.ts';
import { defaultPortraitGenerator, type PortraitGenerator } from './uploads/portrait-generator.ts';
import { resolveJwtSecret } from './server/jwt-secret.ts';
import { ensureAdmin } from './server/admin-bootstrap.ts';
import { registerRoutes } from './routes/index.ts';
import { createValidatorCompiler } from './server/validators.ts';

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
}

/** Default upload limits in bytes. */
export const DEFAULT_LIMITS: UploadLimits = { imageMaxBytes: 20 * 1024 * 1024, videoMaxBytes: 200 * 1024 * 1024 };

async function createContext(options: AppOptions): Promise<AppContext> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const storage = new LocalStorage(resolve(options.storageDir ?? join(dataDir, 'files')));
  await storage.init();
  const repos = await openDatabase({ sqliteFile: resolve(options.sqliteFile ?? join(dataDir, 'vertex-ar.sqlite')) });
  const views = new ViewCounter((counts) => repos.portraits.addViews(counts), { flushIntervalMs: options.viewFlushIntervalMs });
  return {
    repos,
    storage,
    arCache: new LruCache<ArEntry>(),
    views,
    loginLimiter: new LoginLimiter(options.loginLimit),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    generatePortraitAssets: options.generatePortraitAssets ?? defaultPortraitGenerator,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 86_400,
    now: options.now ?? Date.now,
  };
}

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
  await app.register(fastifyMultipart, {
    limits: { fileSize: Math.max(ctx.limits.imageMaxBytes, ctx.limits.videoMaxBytes), files: 1, fields: 10, parts: 12 },
  });
}

function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const e = toVertexError(err);
    if (e.statusCode >= 500) request.log.error({ err }, 'request failed');
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
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: false,
  });
  app.addHook('onClose', async () => {
    await ctx.views.close();
    await ctx.arCache.close();
    await ctx.repos.close();
  });
  try {
    const secret = await resolveJwtSecret(resolve(options.dataDir), options.jwtSecret);
    if (options.adminUsername && options.adminPassword) {
      await ensureAdmin(ctx.repos, options.adminUsername, options.adminPassword);
    }
    app.addSchema(errorBodySchema);
    // Unknown body fields are a 400 (Fastify's default strips them silently) and body types are not coerced.
    app.setValidatorCompiler(createValidatorCompiler([]));
    app.decorateRequest('account', null);
    // Bodies are JSON or multipart; a text/plain body is a client mistake (415), not a string to validate.
    app.removeContentTypeParser('text/plain');
    installErrorHandling(app);
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
