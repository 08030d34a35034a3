/**
 * The instrumented HTTP client as user code sees it (`this.client` in an HttpUser).
 * Every exchange is recorded exactly once into the Recorder; a followed redirect records each hop.
 */
import type { Recorder, RecordedError } from '../stats/recorder.ts';
import type { Logger } from '../logger.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/** One part of a multipart/form-data body. */
export type MultipartValue = string | { data: Uint8Array; filename?: string; contentType?: string };

export interface RequestOptions {
  /** Statistics name (groups URLs like /clients/123 under /clients/:id). Defaults to the path without query. */
  name?: string;
  /** Tags of this request (each redirect hop too), for thresholds that select them: `'http_req_duration{flow:checkout}'`. */
  tags?: Record<string, string>;
  headers?: Record<string, string>;
  /** Query parameters appended to the path. */
  query?: Record<string, string | number | boolean>;
  /** Raw body. */
  body?: string | Uint8Array;
  /** JSON body (sets content-type: application/json). */
  json?: unknown;
  /** multipart/form-data body. */
  multipart?: Record<string, MultipartValue>;
  /**
   * Locust's catch_response: the response is not judged by its status; user code calls
   * `res.success()` or `res.failure(reason)`. If it calls neither, the status decides when the
   * task ends (the runner calls `session.flush()`), or when the next request on the session starts.
   */
  catchResponse?: boolean;
  /** Follow redirects (default true, at most 10 hops; each hop is one recorded request). */
  followRedirects?: boolean;
  /** Overall timeout for this request in ms (default: the session's). */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
  /** Full URL of the final hop. */
  url: string;
  /** Service time in ms (send to last byte). */
  latencyMs: number;
  /** True when the request is (so far) counted a success. */
  ok: boolean;
  /** Set when the exchange failed (transport failure or HTTP error status). status is 0 for transport failures. */
  error?: RecordedError;
  /**
   * Which protocol answered: 'h2' when the TLS connection negotiated HTTP/2, else 'http/1.1'. Undefined when
   * nothing answered (a transport failure before the response head).
   */
  protocol?: 'http/1.1' | 'h2';
  text(): string;
  json<T = any>(): T;
  /** catchResponse only: count this response a success. */
  success(): void;
  /** catchResponse only: count this response a failure with this reason. */
  failure(reason: string | Error): void;
}

/** A WebSocket message: a string for a text frame, bytes for a binary one. */
export type WebSocketMessage = string | Uint8Array;

/** Options of `client.ws()`. */
export interface WebSocketOptions {
  /** Statistics name of the connection's rows (default: the path without query). */
  name?: string;
  /** Headers of the handshake request (the session's default headers and cookies are not sent). */
  headers?: Record<string, string>;
  /** Subprotocols offered (Sec-WebSocket-Protocol). */
  protocols?: string | string[];
}

/** Options of `ws.next()`. */
export interface WebSocketWaitOptions {
  /** How long to wait for a message, ms (default 30 000). */
  timeout?: number;
}

/** Options of `ws.request()`. */
export interface WebSocketRequestOptions extends WebSocketWaitOptions {
  /** Statistics name of the round trip (default: the connection's name + " (round trip)"). */
  name?: string;
}

/** An open WebSocket connection of a user (`await this.client.ws(…)`). */
export interface WebSocketConnection {
  /** The connection's statistics name. */
  readonly name: string;
  /** The subprotocol the server chose ('' when none). */
  readonly protocol: string;
  /** Send one message (counted with its bytes). Throws when the connection is closed. */
  send(data: string | Uint8Array): void;
  /** The next message received (queued ones first); rejects when the connection closes or the timeout passes. */
  next(options?: WebSocketWaitOptions): Promise<WebSocketMessage>;
  /** Send, then wait for the next message: recorded as one round trip. Rejects as next() does (recorded as a failure). */
  request(data: string | Uint8Array, options?: WebSocketRequestOptions): Promise<WebSocketMessage>;
  /** Close (code 1000) and wait for the server's close, at most 5 s. Not a failure. */
  close(): Promise<void>;
}

export interface HttpSession {
  request(method: HttpMethod | string, path: string, options?: RequestOptions): Promise<HttpResponse>;
  get(path: string, options?: RequestOptions): Promise<HttpResponse>;
  post(path: string, options?: RequestOptions): Promise<HttpResponse>;
  put(path: string, options?: RequestOptions): Promise<HttpResponse>;
  patch(path: string, options?: RequestOptions): Promise<HttpResponse>;
  delete(path: string, options?: RequestOptions): Promise<HttpResponse>;
  head(path: string, options?: RequestOptions): Promise<HttpResponse>;
  /**
   * Open a WebSocket: a path resolves against the host (http → ws, https → wss), or pass a ws:// or wss:// URL.
   * The handshake is recorded under the method `WS`; a failed one rejects (after being recorded).
   */
  ws(pathOrUrl: string, options?: WebSocketOptions): Promise<WebSocketConnection>;
  /** Headers sent with every request of this session (e.g. Authorization). */
  readonly defaultHeaders: Record<string, string>;
  /** Per-session cookie jar (name → value), filled from Set-Cookie, sent back to the same host. */
  readonly cookies: Map<string, string>;
  /** Record any pending catchResponse result (called by the runner at the end of each task). */
  flush(): void;
  /**
   * Abort in-flight requests (run stop); they are recorded with kind `interrupted`. Open WebSockets are closed
   * (the user stopped: no failure).
   */
  abortAll(): void;
}

export interface HttpSessionOptions {
  /** Base URL, e.g. http://127.0.0.1:8000 ; paths are resolved against it. Absolute URLs are allowed too. */
  baseUrl: string;
  recorder: Recorder;
  logger?: Logger;
  /**
   * Timeouts in ms. Defaults: connect 10 000, headers 30 000, body 30 000, total 60 000.
   * connect: TCP/TLS connect (a dispatcher property: ignored when a shared `dispatcher` is passed — set it in
   * createDispatcher). headers: request sent → response head. body: longest gap between body chunks.
   * total: the whole request including redirect hops. undici checks headers/body timeouts on a coarse timer, so they
   * may fire up to ~1 s after their limit; the total timeout is a plain timer.
   */
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  totalTimeoutMs?: number;
  /**
   * Largest response body accepted in bytes (default 64 MiB); larger → `body_too_large`, socket discarded.
   * Checked against Content-Length before reading, and on every chunk for chunked bodies.
   */
  maxBodyBytes?: number;
  /** Keep-alive connections per origin (default 1024); like connectTimeoutMs, only for a session's own dispatcher. */
  connectionsPerOrigin?: number;
}

/**
 * What `createHttpSession` returns: the session plus its teardown. The runner owns the thread's dispatcher and
 * closes it itself; `close()` matters for sessions that created their own dispatcher (tests, scripts).
 */
export interface HttpSessionHandle extends HttpSession {
  /** Records any pending catchResponse result, aborts in-flight requests and closes an own dispatcher. */
  close(): Promise<void>;
}
