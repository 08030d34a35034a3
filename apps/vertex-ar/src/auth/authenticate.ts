/**
 * Bearer-token authentication. The token says who; the database says whether that account still
 * exists and what role it has now, so a deleted or demoted account loses access at once. A token also
 * carries its user's `token_version` at login; a password or role change, or a logout, bumps the
 * version and every older token is refused (issue 19, item 5). The version is read from the same cached
 * user row as the role: no database read is added per request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import type { Role, UserRow } from '../db/schema.ts';
import { VertexError } from '../errors.ts';

/** Claims we put in a token. */
export interface TokenClaims {
  sub: string;
  role: Role;
  /** The user's `token_version` when the token was issued; absent in tokens from before versions (= 0). */
  ver?: number;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated account; set by {@link authenticate}. */
    account: UserRow | null;
  }
}

type AuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

function unauthorized(): VertexError {
  return new VertexError('VERTEX_ERR_UNAUTHORIZED', 'missing, invalid or expired bearer token');
}

/** Route hook (run as `onRequest`, before the body is read): requires a valid bearer token for an existing account. */
export function authenticate(ctx: AppContext): AuthHook {
  return async (request) => {
    let claims: TokenClaims;
    try {
      claims = await request.jwtVerify<TokenClaims>();
    } catch {
      throw unauthorized();
    }
    const id = Number(claims.sub);
    if (!Number.isSafeInteger(id) || id < 1) throw unauthorized();
    const user = await ctx.repos.users.findById(id);
    if (!user || (claims.ver ?? 0) !== user.token_version) throw unauthorized();
    request.account = user;
  };
}

/** Route hook (`onRequest`): requires an admin account (401 without a token, 403 for other roles). */
export function requireAdmin(ctx: AppContext): AuthHook {
  const auth = authenticate(ctx);
  return async (request, reply) => {
    await auth(request, reply);
    if (request.account?.role !== 'admin') throw new VertexError('VERTEX_ERR_FORBIDDEN', 'admin role required');
  };
}

/** The authenticated account of a request that passed {@link authenticate}. */
export function accountOf(request: FastifyRequest): UserRow {
  if (!request.account) throw unauthorized();
  return request.account;
}
