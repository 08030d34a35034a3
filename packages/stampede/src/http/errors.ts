import { StampedeError } from '../errors.ts';

/**
 * Errors raised inside the HTTP client. Transport failures never reach user code as throws: the session turns
 * them into `RecordedError` values (see classify-error.ts); these classes exist so that classification branches
 * on a stable `code` rather than on message text.
 */

/** Base class: a stable `code` to branch on and a `hint` that says what to do. */
export class HttpClientError extends StampedeError {
  constructor(code: string, message: string, hint: string) {
    super(code, message, hint);
  }
}

/**
 * This thread's response bodies in flight passed their buffer budget (issue 12): many users reading huge bodies at
 * once would otherwise hold maxBodyBytes each. Same code, so the same kind, as BodyTooLargeError.
 */
export class BodyBudgetError extends HttpClientError {
  constructor(budgetBytes: number) {
    super(
      'STAMPEDE_ERR_HTTP_BODY_TOO_LARGE',
      `bodies in flight exceed the thread's ${budgetBytes}-byte buffer budget`,
      'run fewer users per thread (more --threads or machines), or fetch smaller bodies',
    );
  }
}

/** The whole request (all redirect hops) took longer than its total timeout. */
export class TotalTimeoutError extends HttpClientError {
  /** The total timeout that fired, in ms. */
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(
      'STAMPEDE_ERR_HTTP_TOTAL_TIMEOUT',
      `total timeout (${timeoutMs} ms)`,
      'raise totalTimeoutMs (or the request timeoutMs) if the target is expected to be this slow',
    );
    this.timeoutMs = timeoutMs;
  }
}

/** The response body grew past `maxBodyBytes`; reading stopped and the socket was discarded. */
export class BodyTooLargeError extends HttpClientError {
  /** The limit that was exceeded, in bytes. */
  readonly maxBodyBytes: number;
  constructor(maxBodyBytes: number) {
    super(
      'STAMPEDE_ERR_HTTP_BODY_TOO_LARGE',
      `body exceeds ${maxBodyBytes} bytes`,
      'raise maxBodyBytes if such bodies are expected',
    );
    this.maxBodyBytes = maxBodyBytes;
  }
}

/** The request was still in flight when `abortAll()` ran (run stop). */
export class InterruptedError extends HttpClientError {
  constructor() {
    super('STAMPEDE_ERR_HTTP_INTERRUPTED', 'interrupted', 'requests in flight at stop are counted, not dropped');
  }
}

/** The base URL given to a session cannot be parsed (a configuration error, thrown at creation). */
export class InvalidBaseUrlError extends HttpClientError {
  constructor(baseUrl: string) {
    super(
      'STAMPEDE_ERR_HTTP_BASE_URL',
      `invalid base URL: ${JSON.stringify(baseUrl)}`,
      'pass --host as an absolute http:// or https:// URL, e.g. http://127.0.0.1:8000',
    );
  }
}

/** Lean path: the response head did not arrive (or the body stalled) within its timeout. */
export class ResponseTimeoutError extends HttpClientError {
  /** Which limit fired: the head, a gap between body bytes, or the TCP connect. */
  readonly phase: 'headers' | 'body' | 'connect';
  /** The limit that fired, in ms. */
  readonly timeoutMs: number;
  constructor(phase: 'headers' | 'body' | 'connect', timeoutMs: number) {
    super(`STAMPEDE_ERR_HTTP_${phase.toUpperCase()}_TIMEOUT`, `${phase} timeout (${timeoutMs} ms)`, `raise ${phase}TimeoutMs if the target is expected to be this slow`);
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/** Lean path: the bytes received are not a valid HTTP/1.x response (or its head is too large). */
export class ResponseParseError extends HttpClientError {
  constructor(reason: string) {
    super('STAMPEDE_ERR_HTTP_PARSE', reason, 'check that the target speaks HTTP/1.1 on this port');
  }
}

/** Lean path: the server closed the connection before the response was complete. */
export class PeerClosedError extends HttpClientError {
  constructor(detail = 'connection closed by peer') {
    super('STAMPEDE_ERR_HTTP_PEER_CLOSED', detail, 'the target dropped the connection: check its logs and limits');
  }
}

/** `client.ws()` was given something that is not a ws://, wss://, http(s):// URL or a path. */
export class InvalidWebSocketUrlError extends HttpClientError {
  constructor(target: string) {
    super(
      'STAMPEDE_ERR_WS_URL',
      `invalid WebSocket URL: ${JSON.stringify(target)}`,
      'pass a path (/live, resolved against the host) or an absolute ws:// or wss:// URL',
    );
  }
}

/** A WebSocket wait ended without a message: the connection closed, or `timeout` passed first. */
export class WebSocketWaitError extends HttpClientError {
  constructor(readonly kind: 'closed' | 'timeout', detail: string) {
    super(
      kind === 'closed' ? 'STAMPEDE_ERR_WS_CLOSED' : 'STAMPEDE_ERR_WS_TIMEOUT',
      detail,
      kind === 'closed' ? 'the server closed the connection: check its logs' : 'raise the timeout if the server is expected to answer this slowly',
    );
  }
}
