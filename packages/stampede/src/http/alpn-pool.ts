/**
 * One https origin's connections when HTTP/2 may be offered. undici's Pool opens a connection per request in flight
 * while none has connected yet, and spreads later requests over all of them, so 50 users in flight against an
 * HTTP/2 server would hold 50 connections of one stream each. HTTP/2 means the opposite: many streams over one
 * connection. So the first request opens one connection alone, the requests that come while it negotiates wait
 * for its ALPN answer, and then everything goes over that connection when the server picked `h2`, or over a pool
 * of HTTP/1.1 connections (one request each, as without HTTP/2) when it did not. WebSocket handshakes always take
 * that HTTP/1.1 pool: over HTTP/2 they would need the server's extended CONNECT (RFC 8441), which few servers enable,
 * so browsers too open WebSockets on HTTP/1.1 connections of their own.
 */
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import { undici } from './dispatcher.ts';

type Held = [Dispatcher.DispatchOptions, Dispatcher.DispatchHandler];
type State = 'unknown' | 'negotiating' | 'h2' | 'http/1.1';

const FORWARDED = ['connect', 'disconnect', 'connectionError', 'drain'] as const;

/**
 * Build the origin's dispatcher (an Agent factory). `negotiated(origin)` reads what the connector noted for the
 * origin's connections.
 */
export function alpnPool(
  origin: string,
  options: Undici.Pool.Options,
  negotiated: (origin: string) => 'h2' | 'http/1.1' | undefined,
): Dispatcher {
  const U = undici();
  class AlpnPool extends U.Dispatcher {
    private state: State = 'unknown';
    private first: Undici.Client | undefined;
    private pool: Undici.Pool | undefined;
    private held: Held[] = [];

    override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      if (opts.upgrade !== undefined && opts.upgrade !== null) return this.http1().dispatch(opts, handler);
      switch (this.state) {
        case 'h2':
          return this.first!.dispatch(opts, handler);
        case 'http/1.1':
          return this.http1().dispatch(opts, handler);
        case 'negotiating':
          this.held.push([opts, handler]);
          return true;
        case 'unknown':
          this.state = 'negotiating';
          this.first = this.track(new U.Client(origin, options));
          this.first.once('connect', () => this.settle(negotiated(origin) ?? 'http/1.1'));
          this.first.once('connectionError', () => this.settle('unknown'));
          return this.first.dispatch(opts, handler);
      }
    }

    // The Agent calls both in their promise form only.
    override close(): Promise<void>;
    override close(callback: () => void): void;
    override close(): Promise<void> {
      return Promise.all([this.first?.close(), this.pool?.close()]).then(() => {});
    }

    override destroy(): Promise<void>;
    override destroy(error: Error | null): Promise<void>;
    override destroy(callback: () => void): void;
    override destroy(error: Error | null, callback: () => void): void;
    override destroy(error?: unknown): Promise<void> {
      const reason = error instanceof Error ? error : null;
      return Promise.all([this.first?.destroy(reason), this.pool?.destroy(reason)]).then(() => {});
    }

    /** The first connection answered (or failed: the held requests then try the pool, and the next one sniffs again). */
    private settle(state: State): void {
      if (this.state !== 'negotiating') return;
      this.state = state;
      const held = this.held;
      this.held = [];
      if (state === 'unknown') {
        this.first = undefined;
        for (const [opts, handler] of held) this.http1().dispatch(opts, handler);
        return;
      }
      for (const [opts, handler] of held) this.dispatch(opts, handler);
    }

    /** HTTP/1.1 connections only (the connector offers h2 unless told not to). */
    private http1(): Undici.Pool {
      return (this.pool ??= this.track(new U.Pool(origin, { ...options, allowH2: false })));
    }

    /** The Agent counts connections by these events (to close an unused origin): pass them on as its own. */
    private track<T extends Dispatcher>(inner: T): T {
      // Typed per event name in undici; the four share one shape (origin, targets, error?).
      const on = inner.on.bind(inner) as (event: string, listener: (o: URL, targets: readonly Dispatcher[], error?: Error) => void) => void;
      const emit = this.emit.bind(this) as (event: string, o: URL, targets: readonly Dispatcher[], error?: Error) => boolean;
      for (const event of FORWARDED) on(event, (o, targets, error) => emit(event, o, [this, ...targets], error));
      return inner;
    }
  }
  return new AlpnPool();
}
