/**
 * Transport failures are classified here and nowhere else (house style: one kind per failure, counted apart from
 * HTTP statuses). Messages are short and stable because the aggregate deduplicates errors by message: they carry
 * the error code and the target address, never a timestamp or a byte count that changes between occurrences.
 */
import type { ErrorKind, RecordedError } from '../stats/recorder.ts';
import { HttpClientError } from './errors.ts';

/** Configured timeouts, quoted in timeout messages so a reader knows which limit fired. */
export interface TimeoutLimits {
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

const MAX_MESSAGE_CHARS = 200;

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)|_CERT(_|$)/;

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  address?: unknown;
  port?: unknown;
  errors?: unknown;
  cause?: unknown;
}

function value(kind: ErrorKind, message: string): RecordedError {
  return { kind, message: message.length > MAX_MESSAGE_CHARS ? message.slice(0, MAX_MESSAGE_CHARS) : message };
}

function withLimit(label: string, ms: number | undefined): string {
  return ms === undefined ? label : `${label} (${ms} ms)`;
}

/** Node reports a refused connection to a dual-stack name as an AggregateError: use its first attempt. */
function unwrap(err: ErrorLike): ErrorLike {
  if (Array.isArray(err.errors) && err.errors.length > 0 && typeof err.errors[0] === 'object') {
    return err.errors[0] as ErrorLike;
  }
  return err;
}

function refusedMessage(err: ErrorLike): string {
  const first = unwrap(err);
  if (typeof first.address === 'string') {
    return `connect ECONNREFUSED ${first.address}${first.port === undefined ? '' : `:${String(first.port)}`}`;
  }
  return typeof first.message === 'string' && first.message !== '' ? first.message : 'connect ECONNREFUSED';
}

/**
 * Map a transport error (from undici, Node's net/tls/dns, or our own HttpClientError) to a kind and a short,
 * stable message. Never throws.
 */
export function classifyError(error: unknown, limits: TimeoutLimits = {}): RecordedError {
  if (error === null || typeof error !== 'object') return value('other', String(error));
  const err = error as ErrorLike;
  const code = typeof err.code === 'string' ? err.code : '';
  const message = typeof err.message === 'string' ? err.message : '';

  if (error instanceof HttpClientError) {
    switch (code) {
      case 'STAMPEDE_ERR_HTTP_TOTAL_TIMEOUT':
        return value('timeout', message);
      case 'STAMPEDE_ERR_HTTP_BODY_TOO_LARGE':
        return value('body_too_large', message);
      case 'STAMPEDE_ERR_HTTP_INTERRUPTED':
        return value('interrupted', message);
      // The lean HTTP/1.1 path (src/http/lean) raises these itself; same kinds as undici's equivalents below.
      case 'STAMPEDE_ERR_HTTP_HEADERS_TIMEOUT':
      case 'STAMPEDE_ERR_HTTP_BODY_TIMEOUT':
      case 'STAMPEDE_ERR_HTTP_CONNECT_TIMEOUT':
        return value('timeout', message);
      case 'STAMPEDE_ERR_HTTP_PARSE':
        return value('parse_error', message === 'response headers too large' ? message : `invalid response: ${message}`);
      case 'STAMPEDE_ERR_HTTP_PEER_CLOSED':
        return value('reset', message);
    }
  }
  switch (code) {
    case 'ECONNREFUSED':
      return value('connect_refused', refusedMessage(err));
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return value('timeout', withLimit('connect timeout', limits.connectTimeoutMs));
    case 'UND_ERR_HEADERS_TIMEOUT':
      return value('timeout', withLimit('headers timeout', limits.headersTimeoutMs));
    case 'UND_ERR_BODY_TIMEOUT':
      return value('timeout', withLimit('body timeout', limits.bodyTimeoutMs));
    case 'ECONNRESET':
    case 'EPIPE':
      return value('reset', `connection reset (${code})`);
    case 'UND_ERR_SOCKET':
      // undici's SocketError: "other side closed" — the peer closed mid-exchange.
      return value('reset', `connection closed by peer${message ? ` (${message})` : ''}`);
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return value('reset', 'response shorter than content-length');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return value('dns', message || `getaddrinfo ${code}`);
    case 'UND_ERR_HEADERS_OVERFLOW':
      return value('parse_error', 'response headers too large');
    case 'UND_ERR_INFO':
      return value('parse_error', `invalid response: ${message}`);
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_CLOSED':
      // The dispatcher was closed or the request aborted from outside: the run is stopping.
      return value('interrupted', message || code);
  }
  if (code.startsWith('HPE_')) return value('parse_error', `invalid response (${code})`);
  // undici 7 builds HTTPParserError with an undefined code (it indexes its error table by number): go by name.
  if ((error as Error).name === 'HTTPParserError') return value('parse_error', message || 'invalid response');
  if (TLS_CODE.test(code) || code === 'EPROTO') return value('tls', `${code}: ${message}`);
  if (err.cause !== undefined && err.cause !== error) {
    const inner = classifyError(err.cause, limits);
    if (inner.kind !== 'other') return inner;
  }
  if (Array.isArray(err.errors) && err.errors.length > 0) return classifyError(err.errors[0], limits);
  return value('other', code ? `${code}: ${message}` : message || 'unknown error');
}

// Error statuses repeat on every failing request: share one frozen value per status (bounded: 400–999).
const statusErrors = new Map<number, RecordedError>();

/** The error value for an HTTP error status (≥ 400), or undefined for a success status. Shared and frozen. */
export function statusError(status: number): RecordedError | undefined {
  if (status < 400) return undefined;
  let error = statusErrors.get(status);
  if (error === undefined) {
    error = Object.freeze({ kind: status < 500 ? 'http_4xx' : 'http_5xx', message: `HTTP ${status}` } as const);
    statusErrors.set(status, error);
  }
  return error;
}
