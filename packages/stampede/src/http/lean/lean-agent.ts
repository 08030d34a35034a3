/**
 * The thread-shared dispatcher of the scripted mode on the lean path: one pool of lean connections per plain-http
 * origin, plus an undici Agent (createDispatcher(), same options) for what the lean path does not cover — https,
 * other schemes — created on the first such hop, so undici is not even loaded while every hop is plain http.
 *
 * One sweep per agent (every 100 ms) checks the timeouts of requests in flight and closes keep-alive sockets idle
 * for longer than `keepAliveTimeoutMs` (default 4 s: under the 5 s of Node's and uvicorn's servers, so we close
 * first and never write on a socket the server is closing).
 */
import type { Dispatcher } from 'undici';
import { createDispatcher, DEFAULT_CONNECT_TIMEOUT_MS, type DispatcherOptions } from '../dispatcher.ts';
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

/** Lean pools for plain-http origins, and an undici Agent, made on demand, for every other origin. */
export class LeanAgent {
  private readonly pools = new Map<string, LeanOriginPool>();
  private readonly options: DispatcherOptions;
  private readonly connectTimeoutMs: number;
  private readonly maxPerOrigin: number;
  private readonly keepAliveTimeoutMs: number;
  private readonly maxHeaderSize: number | undefined;
  private readonly sweeper: NodeJS.Timeout;
  private undiciAgent: Dispatcher | undefined;
  private closed = false;

  constructor(options: DispatcherOptions = {}) {
    this.options = options;
    this.maxHeaderSize = options.maxHeaderSize;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.maxPerOrigin = options.connectionsPerOrigin ?? 1024;
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 4_000;
    this.sweeper = setInterval(() => this.sweep(), 100);
    this.sweeper.unref();
  }

  /** The undici Agent for hops the lean path does not take (created on first use, with the same options). */
  fallback(): Dispatcher {
    if (this.undiciAgent === undefined) {
      this.undiciAgent = createDispatcher(this.options);
      // A hop that starts after close() fails as undici's closed agent would, instead of opening a new pool.
      if (this.closed) void this.undiciAgent.destroy();
    }
    return this.undiciAgent;
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

  /** Closes undici's pools gracefully (in-flight requests finish); the lean pools at once (interrupted). */
  async close(): Promise<void> {
    this.closeLean();
    await this.undiciAgent?.close();
  }

  /** Aborts everything in flight (recorded as `interrupted`) and closes every connection. */
  async destroy(): Promise<void> {
    this.closeLean();
    await this.undiciAgent?.destroy();
  }

  private closeLean(): void {
    this.closed = true;
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
