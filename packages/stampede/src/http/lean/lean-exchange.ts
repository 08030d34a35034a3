/**
 * One hop of a scripted session over a lean connection: the lean counterpart of exchange.ts, with the same
 * fields the session reads (status, raw headers, byte counts, Location, Set-Cookie, body, error, times) and the
 * same rule: resolved exactly once, whichever comes first of the response, a failure, a timeout or abort().
 * The same body limits too: `maxBodyBytes` per response, and the thread's budget of bodies in flight
 * (body-budget.ts), whose bytes the parser reserves and this exchange releases when it ends — as Exchange does.
 */
import type { HttpProtocol } from '../dispatcher.ts';
import type { Dispatcher } from 'undici';
import { releaseBodyBytes } from '../body-budget.ts';
import { TotalTimeoutError } from '../errors.ts';
import { nameIs, type ExchangeOwner } from '../exchange.ts';
import { HopState } from '../hop.ts';
import type { LeanAgent, LeanOriginPool, PoolClient } from './lean-agent.ts';
import type { ConnectionOwner, LeanConnection } from './lean-connection.ts';
import { buildRequest } from './request-head.ts';

const EMPTY_BODY = Buffer.alloc(0);

/** A lean hop: the LeanTransport's for plain-http origins (transport.ts). */
export class LeanExchange extends HopState implements ConnectionOwner, PoolClient {
  /** The lean path speaks HTTP/1.1 only; undefined until a response head arrived. */
  get protocol(): HttpProtocol | undefined {
    return this.status === 0 ? undefined : 'http/1.1';
  }
  private chunks: Buffer[] | null = null;
  private request: Buffer | null = null;
  private pool: LeanOriginPool | null = null;
  private conn: LeanConnection | null = null;
  private resolveDone: (() => void) | null = null;
  private headersTimeoutMs = 30_000;
  private bodyTimeoutMs = 30_000;
  private deadlineMs = Infinity;
  private totalTimeoutMs = 0;
  /** Body bytes the parser reserved in the thread's budget for this exchange; released by finish(). */
  private reservedBytes = 0;

  private readonly agent: LeanAgent;

  constructor(owner: ExchangeOwner, method: string, maxBodyBytes: number, agent: LeanAgent) {
    super(owner, method, maxBodyBytes);
    this.agent = agent;
  }

  /** Send and resolve when done (never rejects: failures land in `error`). Same contract as Exchange.start. */
  start(options: Dispatcher.DispatchOptions, remainingMs: number, totalTimeoutMs: number): Promise<void> {
    const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    this.owner.inflight.add(this);
    this.startMs = performance.now();
    this.totalTimeoutMs = totalTimeoutMs;
    this.deadlineMs = this.startMs + Math.max(1, remainingMs);
    this.headersTimeoutMs = options.headersTimeout ?? 30_000;
    this.bodyTimeoutMs = options.bodyTimeout ?? 30_000;
    const origin = String(options.origin);
    const pool = this.agent.poolFor(origin);
    try {
      const body = options.body as string | Uint8Array | null | undefined;
      this.request = buildRequest(options.method, options.path, pool.hostHeader, (options.headers ?? []) as string[], body ?? undefined);
    } catch (error) {
      this.finish(error as Error);
      return done;
    }
    this.pool = pool;
    pool.acquire(this);
    return done;
  }

  /** The received body: one chunk as is, several concatenated once. */
  body(): Buffer {
    const chunks = this.chunks;
    if (chunks === null || chunks.length === 0) return EMPTY_BODY;
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.bodyBytes);
  }

  /** Fail now (timeout, interrupt); the connection, if any, is dropped. */
  abort(error: Error): void {
    if (this.done) return;
    if (this.conn !== null) {
      this.conn.abort(error); // → onFailure
      return;
    }
    this.pool?.cancel(this);
    this.finish(error);
  }

  /** @internal PoolClient: our turn on a connection. */
  onConnection(conn: LeanConnection): void {
    if (this.done) {
      this.pool!.release(conn);
      return;
    }
    this.conn = conn;
    conn.send(this, this.request!, this.method === 'HEAD', true, this.maxBodyBytes);
    conn.headersTimeoutMs = this.headersTimeoutMs;
    conn.bodyTimeoutMs = this.bodyTimeoutMs;
    conn.deadlineMs = this.deadlineMs;
    conn.deadlineError = () => new TotalTimeoutError(this.totalTimeoutMs);
  }

  /** @internal ConnectionOwner */
  onResponse(conn: LeanConnection): void {
    const parser = conn.parser;
    this.reservedBytes = parser.bodyBytes;
    this.status = parser.status;
    this.headerBytes = parser.headBytes;
    this.bodyBytes = parser.bodyBytes;
    this.chunks = parser.bodyChunks;
    const raw = parser.rawHeaders;
    this.rawHeaders = raw;
    if (raw !== null) {
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = raw[i]!;
        if (nameIs(name, 'location')) this.location = raw[i + 1]!.toString('latin1');
        else if (nameIs(name, 'set-cookie')) (this.setCookies ??= []).push(raw[i + 1]!.toString('latin1'));
      }
    }
    this.release(conn);
    this.finish(null);
  }

  /** @internal ConnectionOwner */
  onFailure(conn: LeanConnection, error: Error): void {
    // What did arrive is counted, as on the undici path (a head, then a stalled body).
    const parser = conn.parser;
    this.reservedBytes = parser.bodyBytes;
    if (parser.headComplete) {
      this.headerBytes = parser.headBytes;
      this.bodyBytes = parser.bodyBytes;
    }
    this.release(conn);
    this.finish(error);
  }

  private release(conn: LeanConnection): void {
    this.conn = null;
    conn.deadlineError = null;
    conn.parser.dropCollected(); // the body is ours (or dropped): an idle connection must not keep it alive
    this.pool!.release(conn);
  }

  private finish(error: Error | null): void {
    if (this.done) return;
    this.endMs = performance.now();
    this.done = true;
    this.error = error;
    this.request = null;
    // The body now belongs to the caller (or is dropped), as in Exchange.finish.
    releaseBodyBytes(this.reservedBytes);
    this.reservedBytes = 0;
    this.owner.inflight.delete(this);
    this.resolveDone!();
  }
}
