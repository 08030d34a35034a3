/** POST /auth/register, POST /auth/login, POST /auth/logout, GET /users/me. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { accountOf, authenticate } from '../auth/authenticate.ts';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../auth/passwords.ts';
import { isUniqueViolation } from '../db/sqlite.ts';
import { VertexError } from '../errors.ts';
import { bearerSecurity, errorResponses, userSchema } from './schemas.ts';
import { userView } from './views.ts';

const username = { type: 'string', pattern: '^[A-Za-z0-9_.-]{3,64}$' } as const;
const password = { type: 'string', minLength: 8, maxLength: 256 } as const;

const registerSchema = {
  tags: ['auth'],
  body: {
    type: 'object',
    required: ['username', 'email', 'password'],
    additionalProperties: false,
    properties: { username, email: { type: 'string', format: 'email', maxLength: 254 }, password },
  },
  response: { 201: userSchema, ...errorResponses(400, 409, 415) },
} as const;

const loginSchema = {
  tags: ['auth'],
  body: {
    type: 'object',
    required: ['username', 'password'],
    additionalProperties: false,
    // Lenient on purpose: a malformed name is just a failed login, not a hint about the rules.
    properties: { username: { type: 'string', minLength: 1, maxLength: 256 }, password: { type: 'string', maxLength: 256 } },
  },
  response: {
    200: {
      type: 'object',
      properties: { access_token: { type: 'string' }, token_type: { type: 'string' }, expires_in: { type: 'integer' } },
    },
    ...errorResponses(400, 401, 429),
  },
} as const;

interface RegisterBody {
  username: string;
  email: string;
  password: string;
}

interface LoginBody {
  username: string;
  password: string;
}

/** Registers the account routes. */
export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Body: RegisterBody }>('/auth/register', { schema: registerSchema }, async (request, reply) => {
    const { username: name, email } = request.body;
    const taken = () => new VertexError('VERTEX_ERR_CONFLICT', 'username or email already registered');
    // One account per name whatever its case: `Admin` beside `admin` is a look-alike of it, and the failed-login
    // limit, which folds case, would lock both out together.
    if (await ctx.repos.users.usernameTaken(name)) throw taken();
    const hash = await hashPassword(request.body.password);
    try {
      const user = await ctx.repos.users.create({
        username: name, email: email.toLowerCase(), password_hash: hash, role: 'user', created_at: new Date(ctx.now()).toISOString(),
      });
      return reply.status(201).send(userView(user));
    } catch (err) {
      // The unique index is the real guard: it also catches a concurrent duplicate and the email.
      if (isUniqueViolation(err)) throw taken();
      throw err;
    }
  });

  app.post<{ Body: LoginBody }>('/auth/login', { schema: loginSchema }, async (request, reply) => {
    const { username: name, password: pw } = request.body;
    const retryAfter = await ctx.loginLimiter.retryAfterSeconds(request.ip, name);
    if (retryAfter > 0) {
      reply.header('retry-after', String(retryAfter));
      throw new VertexError('VERTEX_ERR_RATE_LIMITED', `too many failed logins; retry in ${retryAfter} s`);
    }
    // No account name holds NUL, and PostgreSQL text cannot (a lookup answered 500, issue 24): a failed login.
    const user = name.includes('\u0000') ? undefined : await ctx.repos.users.findByUsername(name);
    const ok = user ? await verifyPassword(pw, user.password_hash) : await verifyAgainstDummy(pw);
    if (!user || !ok) {
      await ctx.loginLimiter.recordFailure(request.ip, name);
      throw new VertexError('VERTEX_ERR_UNAUTHORIZED', 'invalid username or password');
    }
    await ctx.loginLimiter.recordSuccess(request.ip, name);
    const token = await reply.jwtSign({ sub: String(user.id), role: user.role, ver: user.token_version });
    return { access_token: token, token_type: 'bearer', expires_in: ctx.tokenTtlSeconds };
  });

  // Revokes every token of the caller, on every device: tokens are stateless, so one cannot be revoked alone.
  app.post('/auth/logout', {
    schema: {
      tags: ['auth'],
      description: 'Revokes every token of the caller (a new login is needed on every device).',
      security: bearerSecurity,
      response: { 204: { type: 'null', description: 'revoked' }, ...errorResponses(401) },
    },
    onRequest: authenticate(ctx),
  }, async (request, reply) => {
    await ctx.repos.users.revokeTokens(accountOf(request).id);
    return reply.status(204).send();
  });

  app.get('/users/me', {
    schema: { tags: ['users'], security: bearerSecurity, response: { 200: userSchema, ...errorResponses(401) } },
    onRequest: authenticate(ctx),
  }, async (request) => userView(accountOf(request)));
}
