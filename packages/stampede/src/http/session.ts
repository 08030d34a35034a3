/**
 * The instrumented HTTP session: one per virtual user (its own cookies and default headers), all sessions of a
 * thread sharing one keep-alive dispatcher. Every exchange is recorded exactly once; failures are values
 * (status 0 + `error`), never throws.
 *
 * Redirects (301/302/303/307/308) are followed up to 10 hops and every hop is its own recorded request, so counts
 * equal what the server saw (k6's rule). Hop names: with an explicit `name`, later hops are `name + ' (redirect)'`
 * (an explicit name exists to bound cardinality, so the redirect target must not reintroduce it); without one,
 * a hop is named by the path the server saw (no query; origin prefixed when it left the base origin).
 * An 11th redirect is not followed: it is returned and recorded as a failure (kind `other`, "too many redirects").
 */
import type { Dispatcher } from 'undici';
import type { Recorder, RecordedError } from '../stats/recorder.ts';
import type { Logger } from '../logger.ts';
import type {
  HttpMethod,
  HttpResponse,
  HttpSessionHandle,
  HttpSessionOptions,
  RequestOptions,
  WebSocketConnection,
  WebSocketOptions,
} from './types.ts';
import { UserWebSocket, webSocketUrl, type WebSocketOwner } from './websocket.ts';
import { classifyError, statusError, type TimeoutLimits } from './classify-error.ts';
import { applySetCookie, cookieHeader } from './cookie-jar.ts';
import { createDispatcher, DEFAULT_CONNECT_TIMEOUT_MS } from './dispatcher.ts';
import { InterruptedError } from './errors.ts';
import type { AbortableExchange, ExchangeOwner } from './exchange.ts';
import { LeanAgent } from './lean/lean-agent.ts';
import { buildMultipart } from './multipart.ts';
import * as target from './request-target.ts';
import { recordHop, SessionResponse, type ResponseOwner } from './response.ts';
import { transportOf, type Hop, type Transport } from './transport.ts';

/** Most redirect hops followed per request (browsers and requests use 20–30; k6 uses 10). */
export const MAX_REDIRECTS = 10;

const NO_OPTIONS: RequestOptions = Object.freeze({});
const EMPTY_BODY = Buffer.alloc(0);
const TOO_MANY_REDIRECTS: RecordedError = Object.freeze({
  kind: 'other',
  message: `too many redirects (more than ${MAX_REDIRECTS})`,
});

interface PreparedBody {
  body: string | Uint8Array | undefined;
  contentType: string | undefined;
}
const NO_BODY: PreparedBody = Object.freeze({ body: undefined, contentType: undefined });

function prepareBody(options: RequestOptions): PreparedBody {
  if (options.json !== undefined) return { body: JSON.stringify(options.json), contentType: 'application/json' };
  if (options.multipart !== undefined) return buildMultipart(options.multipart);
  if (options.body !== undefined) return { body: options.body, contentType: undefined };
  return NO_BODY;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function hasHeader(headers: Record<string, string>, lower: string): boolean {
  for (const key in headers) if (key.toLowerCase() === lower) return true;
  return false;
}

function latencyUs(exchange: Hop): number {
  return Math.round((exchange.endMs - exchange.startMs) * 1000);
}

/** Options of createHttpSession: the session's, a shared dispatcher, and which HTTP/1.1 path to use. */
export type CreateSessionOptions = HttpSessionOptions & {
  dispatcher?: Dispatcher | LeanAgent;
  /**
   * Own dispatcher only: a LeanAgent (plain-http hops over the lean path, src/http/lean) instead of undici's
   * Agent. A shared `dispatcher` decides by itself: a LeanAgent (createLeanDispatcher) means the lean path.
   */
  lean?: boolean;
};

/**
 * Create a session. Without `dispatcher` the session creates its own (from the timeout and pool options) and
 * `close()` closes it; with one, `connectTimeoutMs`/`connectionsPerOrigin` belong to that dispatcher.
 * Hops to plain-http origins go over the lean path when the dispatcher is a LeanAgent; everything else over undici.
 */
export function createHttpSession(options: CreateSessionOptions): HttpSessionHandle {
  return new Session(options);
}

class Session implements HttpSessionHandle, ExchangeOwner, ResponseOwner, WebSocketOwner {
  readonly defaultHeaders: Record<string, string> = {};
  readonly cookies = new Map<string, string>();
  readonly inflight = new Set<AbortableExchange>();
  readonly webSockets = new Set<UserWebSocket>();
  readonly recorder: Recorder;
  readonly logger: Logger | undefined;
  private readonly base: target.BaseTarget;
  private readonly transport: Transport;
  private readonly ownsDispatcher: boolean;
  private readonly limits: Required<TimeoutLimits>;
  private readonly totalTimeoutMs: number;
  private readonly maxBodyBytes: number;
  private pending: SessionResponse | null = null;

  constructor(options: CreateSessionOptions) {
    this.base = target.parseBase(options.baseUrl);
    this.recorder = options.recorder;
    this.logger = options.logger;
    this.limits = {
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: options.headersTimeoutMs ?? 30_000,
      bodyTimeoutMs: options.bodyTimeoutMs ?? 30_000,
    };
    this.totalTimeoutMs = options.totalTimeoutMs ?? 60_000;
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
    this.ownsDispatcher = options.dispatcher === undefined;
    const own = { connectTimeoutMs: this.limits.connectTimeoutMs, connectionsPerOrigin: options.connectionsPerOrigin };
    const given = options.dispatcher ?? (options.lean === true ? new LeanAgent(own) : createDispatcher(own));
    this.transport = transportOf(given);
  }

  get(path: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.request('GET', path, options);
  }
  post(path: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.request('POST', path, options);
  }
  put(path: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.request('PUT', path, options);
  }
  patch(path: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.request('PATCH', path, options);
  }
  delete(path: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.request('DELETE', path, options);
  }
  head(path: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.request('HEAD', path, options);
  }

  ws(pathOrUrl: string, options: WebSocketOptions = {}): Promise<WebSocketConnection> {
    const url = webSocketUrl(this.base, pathOrUrl);
    const name = options.name ?? target.defaultName(pathOrUrl);
    return UserWebSocket.open(this.recorder, this, this.transport.undici(), url, name, options);
  }

  async request(method: HttpMethod | string, path: string, options: RequestOptions = NO_OPTIONS): Promise<HttpResponse> {
    // catchResponse: a response left unjudged is judged by its status when the next request starts.
    this.pending?.commit();
    let verb = method.toUpperCase();
    let hopName = options.name ?? target.defaultName(path);
    let to = target.resolveTarget(this.base, target.appendQuery(path, options.query));
    let { body, contentType } = prepareBody(options);
    const totalTimeoutMs = options.timeoutMs ?? this.totalTimeoutMs;
    const deadline = performance.now() + totalTimeoutMs;
    for (let hop = 0; ; hop++) {
      const crossOrigin = to.origin !== this.base.origin;
      const dispatch: Dispatcher.DispatchOptions = {
        origin: to.origin,
        path: to.path,
        method: verb,
        headers: this.buildHeaders(options.headers, contentType, crossOrigin),
        body,
        headersTimeout: this.limits.headersTimeoutMs,
        bodyTimeout: this.limits.bodyTimeoutMs,
      };
      const remainingMs = deadline - performance.now();
      const exchange = this.transport.open(this, verb, this.maxBodyBytes, to.origin);
      await exchange.start(dispatch, remainingMs, totalTimeoutMs);
      if (exchange.setCookies !== null && !crossOrigin) this.storeCookies(exchange.setCookies);
      const next = this.redirectTarget(exchange, to, options);
      if (next === undefined || hop === MAX_REDIRECTS) return this.respond(exchange, verb, hopName, to, options, next);
      recordHop(this.recorder, verb, hopName, latencyUs(exchange), exchange.headerBytes + exchange.bodyBytes, undefined, exchange.protocol, options.tags);
      // RFC 9110 §15.4.4: 303 turns into GET; §15.4.2/3: user agents turn a redirected POST into GET on 301/302.
      const status = exchange.status;
      if ((status === 303 && verb !== 'HEAD') || ((status === 301 || status === 302) && verb === 'POST')) {
        verb = 'GET';
        body = undefined;
        contentType = undefined;
      }
      hopName =
        options.name !== undefined
          ? `${options.name} (redirect)`
          : (next.origin === this.base.origin ? '' : next.origin) + target.defaultName(next.path);
      to = next;
    }
  }

  flush(): void {
    this.pending?.commit();
  }

  abortAll(): void {
    for (const socket of [...this.webSockets]) void socket.close();
    if (this.inflight.size === 0) return;
    const error = new InterruptedError();
    for (const exchange of [...this.inflight]) exchange.abort(error);
  }

  async close(): Promise<void> {
    this.flush();
    this.abortAll();
    if (this.ownsDispatcher) await this.transport.destroy();
  }

  /** @internal ResponseOwner: a pending response recorded itself. */
  settled(response: SessionResponse): void {
    if (this.pending === response) this.pending = null;
  }

  private redirectTarget(
    exchange: Hop,
    from: target.RequestTarget,
    options: RequestOptions,
  ): target.RequestTarget | undefined {
    if (exchange.error !== null || !isRedirect(exchange.status) || exchange.location === undefined) return undefined;
    if (options.followRedirects === false) return undefined;
    try {
      return target.resolveLocation(from, exchange.location);
    } catch {
      return undefined; // an unparsable Location: hand the 3xx to user code as it is
    }
  }

  private respond(
    exchange: Hop,
    method: string,
    name: string,
    to: target.RequestTarget,
    options: RequestOptions,
    unfollowed: target.RequestTarget | undefined,
  ): SessionResponse {
    const failed = exchange.error !== null;
    const error = failed
      ? classifyError(exchange.error, this.limits)
      : unfollowed !== undefined
        ? TOO_MANY_REDIRECTS
        : statusError(exchange.status);
    const response = new SessionResponse(
      method,
      name,
      to.origin + to.path,
      failed ? 0 : exchange.status,
      exchange.rawHeaders,
      failed ? EMPTY_BODY : exchange.body(),
      latencyUs(exchange),
      exchange.headerBytes + exchange.bodyBytes,
      error,
      exchange.protocol,
    );
    response.tags = options.tags;
    if (options.catchResponse === true && !failed) {
      this.pending?.commit();
      response.holdFor(this);
      this.pending = response;
    } else {
      response.record(this.recorder);
    }
    return response;
  }

  /** Session defaults, then per-request headers (which override defaults of the same name), then body/cookie. */
  private buildHeaders(
    extra: Record<string, string> | undefined,
    contentType: string | undefined,
    crossOrigin: boolean,
  ): string[] {
    const out: string[] = [];
    let hasContentType = false;
    let hasCookie = false;
    const defaults = this.defaultHeaders;
    for (const key in defaults) {
      const lower = key.toLowerCase();
      if (extra !== undefined && hasHeader(extra, lower)) continue;
      // Credentials stay with the base origin when a redirect leaves it (as browsers and undici do).
      if (crossOrigin && lower === 'authorization') continue;
      if (lower === 'content-type') hasContentType = true;
      else if (lower === 'cookie') hasCookie = true;
      out.push(key, defaults[key]!);
    }
    if (extra !== undefined) {
      for (const key in extra) {
        const value = extra[key];
        if (value === undefined) continue;
        const lower = key.toLowerCase();
        if (lower === 'content-type') hasContentType = true;
        else if (lower === 'cookie') hasCookie = true;
        out.push(key, value);
      }
    }
    if (contentType !== undefined && !hasContentType) out.push('content-type', contentType);
    // An explicit Cookie header replaces the jar for that request; the jar only goes to the base origin.
    if (!hasCookie && !crossOrigin && this.cookies.size > 0) out.push('cookie', cookieHeader(this.cookies)!);
    return out;
  }

  private storeCookies(headers: string[]): void {
    const now = Date.now();
    for (const header of headers) applySetCookie(this.cookies, header, now);
  }
}
