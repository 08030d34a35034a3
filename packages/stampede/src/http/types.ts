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
  text(): string;
  json<T = any>(): T;
  /** catchResponse only: count this response a success. */
  success(): void;
  /** catchResponse only: count this response a failure with this reason. */
  failure(reason: string | Error): void;
}

export interface HttpSession {
  request(method: HttpMethod | string, path: string, options?: RequestOptions): Promise<HttpResponse>;
  get(path: string, options?: RequestOptions): Promise<HttpResponse>;
  post(path: string, options?: RequestOptions): Promise<HttpResponse>;
  put(path: string, options?: RequestOptions): Promise<HttpResponse>;
  patch(path: string, options?: RequestOptions): Promise<HttpResponse>;
  delete(path: string, options?: RequestOptions): Promise<HttpResponse>;
  head(path: string, options?: RequestOptions): Promise<HttpResponse>;
  /** Headers sent with every request of this session (e.g. Authorization). */
  readonly defaultHeaders: Record<string, string>;
  /** Per-session cookie jar (name → value), filled from Set-Cookie, sent back to the same host. */
  readonly cookies: Map<string, string>;
  /** Record any pending catchResponse result (called by the runner at the end of each task). */
  flush(): void;
  /** Abort in-flight requests (run stop); they are recorded with kind `interrupted`. */
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
