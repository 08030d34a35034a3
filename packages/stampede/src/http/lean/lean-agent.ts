/**
 * The thread-shared dispatcher of the scripted mode on the lean path. It IS an undici Agent (so anything the lean
 * path does not cover — https, other schemes — still goes through undici unchanged), plus one pool of lean
 * connections per plain-http origin. Sessions created with a LeanAgent send plain-http hops over the lean pools.
 *
 * One sweep per agent (every 100 ms) checks the timeouts of requests in flight and closes keep-alive sockets idle
 * for longer than `keepAliveTimeoutMs` (default 4 s: under the 5 s of Node's and uvicorn's servers, so we close
 * first and never write on a socket the server is closing).
 */
import { Agent } from 'undici';
import { DEFAULT_CONNECT_TIMEOUT_MS, type DispatcherOptions } from '../dispatcher.ts';
import { InterruptedError } from '../errors.ts';
import { LeanConnection, type ConnectionTarget } from './lean-connection.ts';

/** Something waiting for a connection of a pool (a lean exchange). */
export interface PoolClient {
  /** The pool hands over a connection: send on it now. */
  onConnection(conn: LeanConnection): void;
}

/** Lean connections to one origin: idle ones reused last-in first-out, at most `max` open. */
export class LeanOriginPool {
  readonly target: ConnectionTarget;
  readonly hostHeader: string;
  private readonly max: number;
  private readonly idle: LeanConnection[] = [];
  private readonly all = new Set<LeanConnection>();
  private readonly waiting: PoolClient[] = [];

  constructor(target: ConnectionTarget, hostHeader: string, max: number) {
    this.target = target;
    this.hostHeader = hostHeader;
    this.max = max;
  }

  /** Give `client` a connection now, or as soon as one is released. */
  acquire(client: PoolClient): void {
    const conn = this.idle.pop() ?? (this.all.size < this.max ? this.create() : undefined);
    if (conn === undefined) this.waiting.push(client);
    else client.onConnection(conn);
  }

  /** Forget a client that no longer wants a connection (aborted while waiting). */
  cancel(client: PoolClient): void {
    const i = this.waiting.indexOf(client);
    if (i !== -1) this.waiting.splice(i, 1);
  }

  /** The request on `conn` ended (its socket may be closed; it reconnects on the next send). */
  release(conn: LeanConnection): void {
    const next = this.waiting.shift();
    if (next !== undefined) next.onConnection(conn);
    else this.idle.push(conn);
  }

  /** Timeouts of busy connections; close idle sockets unused for `idleMs`. */
  sweep(nowMs: number, idleMs: number): void {
    for (const conn of this.all) {
      if (conn.busy) conn.expire(nowMs);
      else if (conn.open && nowMs - conn.endMs > idleMs) conn.close();
    }
  }

  /** Fail what is in flight with `error` and close every socket. */
  destroy(error: Error): void {
    for (const conn of this.all) conn.abort(error);
    for (const conn of this.all) conn.close();
  }

  private create(): LeanConnection {
    const conn = new LeanConnection(this.target, this.all.size);
    this.all.add(conn);
    return conn;
  }
}

/** An undici Agent that also keeps lean pools for plain-http origins. */
export class LeanAgent extends Agent {
  private readonly pools = new Map<string, LeanOriginPool>();
  private readonly connectTimeoutMs: number;
  private readonly maxPerOrigin: number;
  private readonly keepAliveTimeoutMs: number;
  private readonly maxHeaderSize: number | undefined;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: DispatcherOptions = {}) {
    super({
      connections: options.connectionsPerOrigin ?? 1024,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
      // The same undici options as createDispatcher(), for the origins that still go through undici (https).
      ...(options.maxHeaderSize === undefined ? {} : { maxHeaderSize: options.maxHeaderSize }),
      connect: {
        timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: options.rejectUnauthorized }),
      },
    });
    this.maxHeaderSize = options.maxHeaderSize;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.maxPerOrigin = options.connectionsPerOrigin ?? 1024;
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 4_000;
    this.sweeper = setInterval(() => this.sweep(), 100);
    this.sweeper.unref();
  }

  /** The lean pool of a plain-http origin (`http://host:port`), created on first use. */
  poolFor(origin: string): LeanOriginPool {
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      const url = new URL(origin);
      const target = {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: Number(url.port || 80),
        connectTimeoutMs: this.connectTimeoutMs,
        headersTimeoutMs: 30_000,
        bodyTimeoutMs: 30_000,
        ...(this.maxHeaderSize === undefined ? {} : { maxHeadBytes: this.maxHeaderSize }),
      };
      pool = new LeanOriginPool(target, url.host, this.maxPerOrigin);
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** Closes undici's pools gracefully; the lean pools are closed at once (in-flight requests interrupted). */
  override close(callback: () => void): void;
  override close(): Promise<void>;
  override close(callback?: () => void): Promise<void> | void {
    this.closeLean();
    if (callback !== undefined) return super.close(callback);
    return super.close();
  }

  override destroy(err: Error | null, callback: () => void): void;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null): Promise<void>;
  override destroy(): Promise<void>;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    this.closeLean();
    if (typeof a === 'function') return super.destroy(a);
    if (b !== undefined) return super.destroy(a ?? null, b);
    return super.destroy(a ?? null);
  }

  private closeLean(): void {
    clearInterval(this.sweeper);
    const error = new InterruptedError();
    for (const pool of this.pools.values()) pool.destroy(error);
    this.pools.clear();
  }

  private sweep(): void {
    const now = performance.now();
    for (const pool of this.pools.values()) pool.sweep(now, this.keepAliveTimeoutMs);
  }
}

/**
 * The lean counterpart of createDispatcher() (same options): sessions sharing it send plain-http hops over the
 * lean path and everything else over undici.
 */
export function createLeanDispatcher(options: DispatcherOptions = {}): LeanAgent {
  return new LeanAgent(options);
}
