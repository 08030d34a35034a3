/**
 * WebSocket connections from a user's task (`this.client.ws()`), on undici's WebSocket client. What is recorded,
 * all under the method `WS`, beside HTTP rows:
 *   - the handshake, as a request of the connection's row (its latency; a refused upgrade is a `ws_handshake` failure);
 *   - every message and payload byte in and out, as counters of that row (Recorder.count);
 *   - each `request()` round trip (send → next message), as a request of its own row (`name (round trip)` unless
 *     named);
 *   - the end of the connection, as a request of the `name (session)` row whose latency is how long it was open
 *     (k6's ws_session_duration): a close or error from the server fails it (kind `ws_closed`); a close by the user,
 *     or by the run when the user stops, does not.
 * Handshakes and sessions are apart so that neither row's percentiles mix connect times with connection lifetimes.
 */
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import type { Recorder, RecordedError } from '../stats/recorder.ts';
import { WS_BYTES_RECEIVED, WS_BYTES_SENT, WS_MESSAGES_RECEIVED, WS_MESSAGES_SENT } from '../stats/counters.ts';
import { undici } from './dispatcher.ts';
import { InvalidWebSocketUrlError, WebSocketWaitError } from './errors.ts';
import type { BaseTarget } from './request-target.ts';
import type { WebSocketConnection, WebSocketMessage, WebSocketOptions, WebSocketRequestOptions, WebSocketWaitOptions } from './types.ts';

/** The method of every WebSocket row. */
export const WS_METHOD = 'WS';
/** How long next() and request() wait for a message by default, ms. */
export const DEFAULT_WS_TIMEOUT_MS = 30_000;

const CLOSE_WAIT_MS = 5_000;

/** The ws(s):// URL of `pathOrUrl`: a path resolves against the base (http → ws, https → wss). */
export function webSocketUrl(base: BaseTarget, pathOrUrl: string): string {
  let url: URL;
  try {
    url = /^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl)
      ? new URL(pathOrUrl)
      : new URL(base.pathPrefix + (pathOrUrl.startsWith('/') ? pathOrUrl : `/${pathOrUrl}`), base.origin);
  } catch {
    throw new InvalidWebSocketUrlError(pathOrUrl);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new InvalidWebSocketUrlError(pathOrUrl);
  return url.href;
}

function byteLength(data: string | Uint8Array): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
}

function elapsedUs(startMs: number): number {
  return Math.round((performance.now() - startMs) * 1000);
}

interface Waiter {
  resolve(message: WebSocketMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Whoever owns the open connections (the session), so that a stopping user closes them. */
export interface WebSocketOwner {
  readonly webSockets: Set<UserWebSocket>;
}

/** One connection. Create with {@link openWebSocket}. */
export class UserWebSocket implements WebSocketConnection {
  private readonly socket: Undici.WebSocket;
  private readonly inbox: WebSocketMessage[] = [];
  private readonly waiters: Waiter[] = [];
  private closedBy: 'user' | 'server' | undefined;
  private closeDetail = '';
  private readonly closed: Promise<void>;
  private openedAtMs = 0;

  private constructor(
    private readonly recorder: Recorder,
    private readonly owner: WebSocketOwner,
    readonly name: string,
    socket: Undici.WebSocket,
  ) {
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (event) => this.received(event.data as string | ArrayBuffer));
    this.closed = new Promise((resolve) => socket.addEventListener('close', (event) => {
      this.ended(event.code);
      resolve();
    }));
  }

  /** Open a connection and record its handshake; resolves once open, rejects (after recording) when it fails. */
  static async open(
    recorder: Recorder,
    owner: WebSocketOwner,
    dispatcher: Dispatcher,
    url: string,
    name: string,
    options: WebSocketOptions,
  ): Promise<UserWebSocket> {
    const startMs = performance.now();
    const socket = new (undici().WebSocket)(url, {
      dispatcher,
      ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
    });
    let failed = '';
    const opened = new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve());
      socket.addEventListener('error', (event) => {
        failed = (event as { message?: string }).message || failed;
      });
      socket.addEventListener('close', (event) => reject(new WebSocketWaitError('closed', failed || `connection failed (close code ${event.code})`)));
    });
    const connection = new UserWebSocket(recorder, owner, name, socket);
    try {
      await opened;
    } catch (error) {
      const message = (error as Error).message;
      recorder.record(WS_METHOD, name, elapsedUs(startMs), 0, { kind: 'ws_handshake', message: `handshake failed: ${message}` });
      throw error;
    }
    connection.openedAtMs = performance.now();
    recorder.record(WS_METHOD, name, Math.round((connection.openedAtMs - startMs) * 1000), 0);
    owner.webSockets.add(connection);
    return connection;
  }

  /** The subprotocol the server chose ('' when none). */
  get protocol(): string {
    return this.socket.protocol;
  }

  send(data: string | Uint8Array): void {
    if (this.closedBy !== undefined) throw new WebSocketWaitError('closed', `send on a closed connection (${this.closeDetail})`);
    this.socket.send(data);
    this.recorder.count?.(WS_METHOD, this.name, WS_MESSAGES_SENT, 1);
    this.recorder.count?.(WS_METHOD, this.name, WS_BYTES_SENT, byteLength(data));
  }

  next(options: WebSocketWaitOptions = {}): Promise<WebSocketMessage> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closedBy !== undefined) return Promise.reject(new WebSocketWaitError('closed', this.closeDetail));
    const timeoutMs = options.timeout ?? DEFAULT_WS_TIMEOUT_MS;
    return new Promise<WebSocketMessage>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new WebSocketWaitError('timeout', `no message within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  async request(data: string | Uint8Array, options: WebSocketRequestOptions = {}): Promise<WebSocketMessage> {
    const name = options.name ?? `${this.name} (round trip)`;
    // A message that arrived before this request is not its answer.
    this.inbox.length = 0;
    const startMs = performance.now();
    try {
      this.send(data);
      const answer = await this.next(options);
      this.recorder.record(WS_METHOD, name, elapsedUs(startMs), byteLength(answer));
      return answer;
    } catch (error) {
      const wait = error as WebSocketWaitError;
      const recorded: RecordedError = wait.kind === 'timeout' ? { kind: 'timeout', message: wait.message } : { kind: 'ws_closed', message: 'closed before the answer' };
      this.recorder.record(WS_METHOD, name, elapsedUs(startMs), 0, recorded);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closedBy === undefined) {
      this.closedBy = 'user';
      this.closeDetail = 'closed by the user';
      // Recorded now, not when the server's close frame comes back: a stopping run takes its last snapshot first.
      this.recordSession(undefined);
      this.socket.close(1000);
    }
    // A server that never answers the close frame must not hold the user: undici drops the socket after a while too.
    await Promise.race([this.closed, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
  }

  private received(data: string | ArrayBuffer): void {
    const message = typeof data === 'string' ? data : new Uint8Array(data);
    this.recorder.count?.(WS_METHOD, this.name, WS_MESSAGES_RECEIVED, 1);
    this.recorder.count?.(WS_METHOD, this.name, WS_BYTES_RECEIVED, byteLength(message));
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.inbox.push(message);
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve(message);
  }

  private recordSession(error: RecordedError | undefined): void {
    this.recorder.record(WS_METHOD, `${this.name} (session)`, elapsedUs(this.openedAtMs), 0, error);
  }

  private ended(code: number): void {
    this.owner.webSockets.delete(this);
    if (this.openedAtMs === 0) return; // the handshake failed: recorded by open()
    if (this.closedBy === undefined) {
      this.closedBy = 'server';
      // The code only, not the reason text: messages are deduplicated, and a reason may carry ids.
      this.closeDetail = code === 1006 ? 'connection lost (1006)' : `closed by the server (${code})`;
      this.recordSession({ kind: 'ws_closed', message: this.closeDetail });
    }
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new WebSocketWaitError('closed', this.closeDetail));
    }
  }
}
