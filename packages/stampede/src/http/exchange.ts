/**
 * One HTTP exchange (one hop): the undici dispatch handler that measures it.
 *
 * Why `dispatcher.dispatch()` with a handler and not `dispatcher.request()`: request() is this same handler
 * protocol plus, per response, a Readable stream, an AsyncResource, an AbortSignal listener and a promise
 * wrapper. Handling the callbacks ourselves gives the raw header buffers (exact header byte count, no header
 * object built unless user code reads it), an abort function without an AbortSignal, and a body limit enforced
 * on the chunk that crosses it. The handler methods live on the prototype: no closure per request.
 * The callbacks used are undici 7's native (onConnect/onHeaders/onData/onComplete/onError) protocol, the one its
 * own request() implements; newer-style handlers are adapted by a wrapper allocated per request.
 */
import type { Dispatcher } from 'undici';
import { BODY_BUDGET_BYTES, releaseBodyBytes, reserveBodyBytes } from './body-budget.ts';
import { protocolOf, type HttpProtocol } from './dispatcher.ts';
import { BodyBudgetError, BodyTooLargeError, TotalTimeoutError } from './errors.ts';
import { HopState } from './hop.ts';

/** An exchange in flight, as its owner sees it (undici's Exchange or the lean path's LeanExchange). */
export interface AbortableExchange {
  /** Fail the exchange now with `error`. */
  abort(error: Error): void;
}

/** Whoever tracks in-flight exchanges (the session, for abortAll). */
export interface ExchangeOwner {
  readonly inflight: Set<AbortableExchange>;
}

/** Case-insensitive compare of a raw header name with a lower-case ASCII name, without allocating. */
export function nameIs(raw: Buffer, lower: string): boolean {
  if (raw.length !== lower.length) return false;
  for (let i = 0; i < raw.length; i++) {
    if ((raw[i]! | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

const EMPTY_BODY = Buffer.alloc(0);

// Response bodies in flight count against the thread's budget (body-budget.ts, issue 12): the exchange whose chunk
// would cross it fails `body_too_large` and its socket is discarded.
export { BODY_BUDGET_BYTES } from './body-budget.ts';

// The Promise executor runs synchronously inside `new Promise`, so a module slot hands it the exchange
// without allocating a closure per request.
let executorTarget: Exchange | null = null;
function captureResolve(resolve: () => void): void {
  executorTarget!.resolveDone = resolve;
}

function onTotalTimeout(exchange: Exchange): void {
  exchange.abort(new TotalTimeoutError(exchange.totalTimeoutMs));
}


/** Parse a decimal header value without decoding it to a string (every response has one). NaN if not digits. */
function decimal(raw: Buffer): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const digit = raw[i]! - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    n = n * 10 + digit;
  }
  return raw.length === 0 ? Number.NaN : n;
}

/**
 * State of one hop. Created by the session, resolved exactly once (`done`), whichever comes first: the response
 * ends, undici reports an error, the total timeout fires, or abortAll() interrupts it. Later callbacks from undici
 * are ignored, so one exchange can never be recorded twice.
 */
export class Exchange extends HopState implements Dispatcher.DispatchHandler {
  totalTimeoutMs = 0;
  statusText = '';
  /** The protocol that answered; undefined until a response head arrived. */
  protocol: HttpProtocol | undefined = undefined;
  private origin = '';
  /** @internal resolves start()'s promise. */
  resolveDone: (() => void) | null = null;
  private first: Buffer | null = null;
  private chunks: Buffer[] | null = null;
  private abortRequest: ((err?: Error) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  private readonly dispatcher: Dispatcher;

  constructor(owner: ExchangeOwner, method: string, maxBodyBytes: number, dispatcher: Dispatcher) {
    super(owner, method, maxBodyBytes);
    this.dispatcher = dispatcher;
  }

  /**
   * Dispatch and resolve when the exchange is done (never rejects: failures land in `error`).
   * @param remainingMs time left of the request's total timeout (redirect hops share one deadline)
   * @param totalTimeoutMs the configured total timeout, quoted in the error message
   */
  start(options: Dispatcher.DispatchOptions, remainingMs: number, totalTimeoutMs: number): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the closure-free executor hand-off above
    executorTarget = this;
    const done = new Promise<void>(captureResolve);
    executorTarget = null;
    this.owner.inflight.add(this);
    this.totalTimeoutMs = totalTimeoutMs;
    this.timer = setTimeout(onTotalTimeout, Math.max(1, remainingMs), this);
    this.startMs = performance.now();
    this.origin = String(options.origin);
    this.dispatcher.dispatch(options, this);
    return done;
  }

  /** The received body: one chunk as is, several concatenated once at the end. */
  body(): Buffer {
    if (this.chunks !== null) return Buffer.concat(this.chunks, this.bodyBytes);
    return this.first ?? EMPTY_BODY;
  }

  /** Fail the exchange now (timeout, interrupt, body limit) and tell undici to drop the socket. */
  abort(error: Error): void {
    if (this.done) return;
    this.finish(error);
    // Before onConnect there is nothing to abort yet; onConnect aborts on arrival (see below).
    this.abortRequest?.(error);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.done) {
      abort(this.error ?? undefined);
      return;
    }
    this.abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    if (this.done) return false;
    if (statusCode < 200) return true; // 1xx informational: the real head follows
    this.status = statusCode;
    this.statusText = statusText;
    this.protocol = protocolOf(this.dispatcher, this.origin);
    this.rawHeaders = rawHeaders;
    // "HTTP/1.1 200 OK\r\n" + "name: value\r\n"… + "\r\n"
    let bytes = 15 + statusText.length + 2;
    let contentLength = -1;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!;
      const value = rawHeaders[i + 1]!;
      bytes += name.length + value.length + 4;
      if (nameIs(name, 'location')) this.location = value.toString('latin1');
      else if (nameIs(name, 'set-cookie')) (this.setCookies ??= []).push(value.toString('latin1'));
      else if (nameIs(name, 'content-length')) contentLength = decimal(value);
    }
    this.headerBytes = bytes;
    // A declared length over the limit fails before reading a byte (HEAD declares a length it does not send).
    if (contentLength > this.maxBodyBytes && this.method !== 'HEAD') {
      this.abort(new BodyTooLargeError(this.maxBodyBytes));
      return false;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return false;
    this.bodyBytes += chunk.length;
    if (this.bodyBytes > this.maxBodyBytes || !reserveBodyBytes(chunk.length)) {
      const error = this.bodyBytes > this.maxBodyBytes ? new BodyTooLargeError(this.maxBodyBytes) : new BodyBudgetError(BODY_BUDGET_BYTES);
      this.bodyBytes -= chunk.length;
      this.first = null;
      this.chunks = null;
      this.abort(error);
      return false;
    }
    if (this.first === null) this.first = chunk;
    else (this.chunks ??= [this.first]).push(chunk);
    return true;
  }

  onComplete(_trailers: string[] | null): void {
    if (!this.done) this.finish(null);
  }

  onError(err: Error): void {
    if (!this.done) this.finish(err);
  }

  private finish(error: Error | null): void {
    this.endMs = performance.now();
    this.done = true;
    // Every body byte counted in onData was added to the budget; the body now belongs to the caller (or is dropped).
    releaseBodyBytes(this.bodyBytes);
    this.error = error;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.owner.inflight.delete(this);
    this.resolveDone!();
  }
}
