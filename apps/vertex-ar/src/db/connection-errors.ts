/**
 * Which PostgreSQL failures mean "the database cannot be reached" (issue 19): the request did nothing wrong and
 * may succeed on retry, so it answers 503 `VERTEX_ERR_DB_UNAVAILABLE` with `Retry-After` instead of a 500.
 */
import { VertexError } from '../errors.ts';

// Socket-level failures of the connection to the server (node:net errno codes).
const SOCKET_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
]);

// SQLSTATEs of a server that is going away or not accepting connections (PostgreSQL, Appendix A):
// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections.
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

// What `pg` says, without a code, about a connection that ended under a query or a client left unusable by it.
const PG_MESSAGES = /Connection terminated|not queryable|Connection closed/i;

/** Whether `err` says the database connection failed (as opposed to a query the database refused). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    // SQLSTATE class 08: connection exception.
    if (SOCKET_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  return PG_MESSAGES.test(err.message);
}

/** The 503 a request gets when the database cannot be reached. */
export function databaseUnavailable(cause: unknown): VertexError {
  return new VertexError('VERTEX_ERR_DB_UNAVAILABLE', 'database unavailable: the connection to it failed; retry shortly', { cause });
}

/** `err` as the 503 when it is a connection failure, unchanged otherwise (for `.catch` on a query). */
export function mapConnectionError(err: unknown): never {
  throw isConnectionError(err) ? databaseUnavailable(err) : err;
}
