/**
 * One keep-alive HTTP/1.1 connection of the lean path: a `net` socket, its response parser, and at most one
 * request in flight (no pipelining, as a browser or Locust). The socket's listeners are attached once per
 * socket, not per request; a request is a write of a prebuilt head and a `performance.now()` on each side.
 *
 * Timeouts are checked by the owner's sweep (`expire()`), one interval per thread instead of a timer per request.
 * A connection that failed, was told to close, or got bytes it did not ask for is destroyed and reconnected on
 * the next send.
 */
import net, { type Socket } from 'node:net';
import { PeerClosedError, ResponseTimeoutError } from '../errors.ts';
import { ResponseParser } from './response-parser.ts';

/** Receives the outcome of the request in flight. Exactly one call per `send()`. */
export interface ConnectionOwner {
  /** The response is complete: read `conn.parser`, `conn.startMs`, `conn.endMs`. */
  onResponse(conn: LeanConnection): void;
  /** The request failed; the socket is already gone. `conn.endMs` is set. */
  onFailure(conn: LeanConnection, error: Error): void;
}

/** Where to connect and the timeouts, in ms. */
export interface ConnectionTarget {
  host: string;
  port: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Largest response head, bytes (default the parser's 16 KiB). */
  maxHeadBytes?: number;
}

function noop(): void {}

/**
 * One read buffer for every raw connection of the thread (`onread`): Node otherwise allocates a buffer per read,
 * which at 200 req/s was most of what the raw loop allocated and brought scavenges into the latency tail
 * (issue 11 goal 4). Safe because a raw request keeps no view of what it read; collecting ones keep body chunks,
 * so they read into Node's own buffers.
 */
let sharedReadBuffer: Buffer | undefined;

/** A lean connection. `index` is free for the owner (slot in its array). */
export class LeanConnection {
  readonly parser: ResponseParser;
  readonly target: ConnectionTarget;
  index: number;
  /** performance.now() when the request was written and when it ended (response complete or failure), ms. */
  startMs = 0;
  endMs = 0;
  /** Last time bytes arrived for the request in flight (body-gap timeout), ms. */
  lastDataMs = 0;
  /** Owner-defined tag of the request in flight (e.g. its intended start time in the open model). */
  tag = 0;
  /** Requests completed on the current socket (0: a fresh connection). */
  reused = 0;
  /** Limits of the request in flight, ms: the target's unless the sender sets them after send(). */
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Absolute deadline of the request in flight (performance.now() ms) and the error it fails with. */
  deadlineMs = Infinity;
  deadlineError: (() => Error) | null = null;
  private socket: Socket | null = null;
  private connected = false;
  private owner: ConnectionOwner | null = null;

  /** Read into the thread's shared buffer (only for connections whose requests never collect). */
  private readonly sharedRead: boolean;

  constructor(target: ConnectionTarget, index = 0, options: { sharedReadBuffer?: boolean } = {}) {
    this.target = target;
    this.sharedRead = options.sharedReadBuffer ?? false;
    this.parser = new ResponseParser(target.maxHeadBytes === undefined ? {} : { maxHeadBytes: target.maxHeadBytes });
    this.index = index;
    this.headersTimeoutMs = target.headersTimeoutMs;
    this.bodyTimeoutMs = target.bodyTimeoutMs;
  }

  /** True while a request is in flight. */
  get busy(): boolean {
    return this.owner !== null;
  }

  /** Connections with an open socket (idle keep-alive or busy). */
  get open(): boolean {
    return this.socket !== null;
  }

  /**
   * Send one request. `head` is the whole request (head and any body), written as it is.
   * @param isHead a HEAD request (its response has no body)
   * @param collect keep the response headers and body for user code
   */
  send(owner: ConnectionOwner, head: Uint8Array, isHead: boolean, collect = false, maxBodyBytes = Infinity): void {
    this.owner = owner;
    this.parser.reset(isHead, collect, maxBodyBytes);
    this.headersTimeoutMs = this.target.headersTimeoutMs;
    this.bodyTimeoutMs = this.target.bodyTimeoutMs;
    this.deadlineMs = Infinity;
    let socket = this.socket;
    if (socket === null) socket = this.connect();
    this.startMs = performance.now();
    this.lastDataMs = this.startMs;
    socket.write(head);
  }

  /**
   * Connect ahead of the first request, so that its latency is the exchange alone (as wrk and k6 measure it;
   * Locust's first request pays for the connect). Resolves once connected or failed: a failure is left to the
   * first send, which connects again and reports it.
   */
  connectAhead(): Promise<void> {
    if (this.socket !== null) return Promise.resolve();
    const socket = this.connect();
    // 'error' too: the socket's own error handler removes every listener (close()), this one included, before
    // 'close' is emitted; the emit in progress still calls it.
    return new Promise((resolve) => {
      socket.once('connect', () => resolve());
      socket.once('error', () => resolve());
      socket.once('close', () => resolve());
    });
  }

  /**
   * Fail the request in flight if one of its timeouts has passed by `nowMs`. Called by the owner's sweep.
   * Returns true when it fired.
   */
  expire(nowMs: number): boolean {
    if (this.owner === null) return false;
    const t = this.target;
    let error: Error | null = null;
    if (nowMs >= this.deadlineMs && this.deadlineError !== null) error = this.deadlineError();
    else if (!this.connected && nowMs - this.startMs > t.connectTimeoutMs) error = new ResponseTimeoutError('connect', t.connectTimeoutMs);
    else if (!this.parser.headComplete && nowMs - this.startMs > this.headersTimeoutMs) error = new ResponseTimeoutError('headers', this.headersTimeoutMs);
    else if (this.parser.headComplete && nowMs - this.lastDataMs > this.bodyTimeoutMs) error = new ResponseTimeoutError('body', this.bodyTimeoutMs);
    if (error === null) return false;
    this.fail(error);
    return true;
  }

  /** Fail the request in flight now (interrupt, total timeout) and drop the socket. */
  abort(error: Error): void {
    if (this.owner !== null) this.fail(error);
    else this.close();
  }

  /** Close the socket (an idle connection; a busy one is failed first by abort()). */
  close(): void {
    const socket = this.socket;
    if (socket === null) return;
    this.socket = null;
    this.connected = false;
    this.reused = 0;
    socket.removeAllListeners();
    socket.on('error', noop);
    socket.destroy();
  }

  private connect(): Socket {
    const onread = this.sharedRead
      ? {
          buffer: (sharedReadBuffer ??= Buffer.allocUnsafe(64 * 1024)),
          callback: (nread: number, buf: Buffer): boolean => {
            if (this.socket === socket) this.onData(buf, nread);
            return true;
          },
        }
      : undefined;
    const socket = net.connect({ host: this.target.host, port: this.target.port, noDelay: true, ...(onread ? { onread } : {}) });
    this.socket = socket;
    this.connected = false;
    this.reused = 0;
    socket.on('connect', () => {
      if (this.socket === socket) this.connected = true;
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket === socket) this.onData(chunk, chunk.length);
    });
    socket.on('error', (err: Error) => {
      if (this.socket === socket) this.onSocketGone(err);
    });
    socket.on('close', () => {
      if (this.socket === socket) this.onSocketGone(null);
    });
    return socket;
  }

  private onData(chunk: Buffer, length: number): void {
    if (this.owner === null) {
      // Bytes nobody asked for (no pipelining here): the connection's framing can no longer be trusted.
      this.close();
      return;
    }
    const parser = this.parser;
    const at = parser.execute(chunk, 0, length);
    if (at === -1) {
      this.fail(parser.error!);
      return;
    }
    if (!parser.done) {
      this.lastDataMs = performance.now();
      return;
    }
    this.endMs = performance.now();
    const owner = this.owner;
    this.owner = null;
    this.reused++;
    if (!parser.keepAlive || at !== length) this.close();
    owner.onResponse(this);
  }

  private onSocketGone(err: Error | null): void {
    const owner = this.owner;
    if (owner !== null && err === null && this.parser.finishOnEof()) {
      // A body delimited by the close: the response is complete.
      this.endMs = performance.now();
      this.owner = null;
      this.close();
      owner.onResponse(this);
      return;
    }
    if (owner === null) {
      this.close(); // an idle keep-alive socket closed by the server: reconnect on the next send
      return;
    }
    this.fail(err ?? new PeerClosedError(this.parser.headComplete ? 'connection closed by peer mid-body' : 'connection closed by peer'));
  }

  private fail(error: Error): void {
    const owner = this.owner;
    this.endMs = performance.now();
    this.owner = null;
    this.close();
    owner?.onFailure(this, error);
  }
}
