/**
 * The per-thread connection pool. Sessions (one per virtual user) are cheap; connections are not, so every session
 * of a thread shares one undici Agent (a keep-alive Pool per origin). The runner creates it when the thread starts
 * and closes it at the end.
 */
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import { requireCjs } from '../cjs.ts';
import { alpnPool } from './alpn-pool.ts';

function httpsOrigin(origin: string | URL): boolean {
  return String(origin).startsWith('https:');
}

let undiciModule: typeof Undici | undefined;

/**
 * undici, loaded on first use. Importing it costs ~15 MiB of RSS (its llhttp WebAssembly and the Node internals it
 * pulls in), which a run whose every hop goes over the lean path never needs (issue 11 goal 3).
 */
export function undici(): typeof Undici {
  return (undiciModule ??= requireCjs('undici') as typeof Undici);
}

/** Options of {@link createDispatcher}. */
export interface DispatcherOptions {
  /** Keep-alive connections per origin (default 1024). */
  connectionsPerOrigin?: number;
  /** TCP (+ TLS) connect timeout in ms (default 10 000). A pool property in undici, so it is set here. */
  connectTimeoutMs?: number;
  /** How long an idle keep-alive socket is kept, in ms (default 4 000, capped by the server's Keep-Alive hint). */
  keepAliveTimeoutMs?: number;
  /** Largest response head (status line + headers) accepted in bytes (default 16 KiB, Node's). */
  maxHeaderSize?: number;
  /** Verify TLS certificates (default true). Load tests against staging sometimes need false. */
  rejectUnauthorized?: boolean;
  /**
   * Offer HTTP/2 by ALPN on TLS connections (default true): a server that picks `h2` is spoken to over HTTP/2,
   * its requests sharing one connection as streams. Plain-http origins always speak HTTP/1.1.
   */
  allowH2?: boolean;
}

/** Which protocol answered a request: what the connection negotiated by ALPN. */
export type HttpProtocol = 'http/1.1' | 'h2';

/**
 * The protocol each origin's connections negotiated, per dispatcher. undici tells a dispatch handler neither the
 * socket nor the protocol, so the connector notes the ALPN result of each new connection under its origin (the
 * key a request's origin is: `protocol//host[:port]`, as URL.origin writes it).
 */
const negotiated = new WeakMap<Dispatcher, Map<string, HttpProtocol>>();

/** The protocol `origin`'s connections on `dispatcher` negotiated; HTTP/1.1 when none was noted. */
export function protocolOf(dispatcher: Dispatcher, origin: string): HttpProtocol {
  return negotiated.get(dispatcher)?.get(origin) ?? 'http/1.1';
}

/** Default connect timeout in ms, shared with the session defaults. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Create the thread-shared dispatcher. Close it with `await dispatcher.close()` (lets in-flight requests finish)
 * or `dispatcher.destroy()` (aborts them; they are recorded as `interrupted`).
 */
export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  const allowH2 = options.allowH2 ?? true;
  const protocols = new Map<string, HttpProtocol>();
  const tls = {
    timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: options.rejectUnauthorized }),
  };
  const connector = undici().buildConnector({ ...tls, allowH2 });
  // For the pools that must speak HTTP/1.1 (WebSocket handshakes: alpn-pool.ts), which say so with allowH2 false.
  const http1Connector = allowH2 ? undici().buildConnector({ ...tls, allowH2: false }) : connector;
  const agent = new (undici().Agent)({
    connections: options.connectionsPerOrigin ?? 1024,
    // HTTP/1.1 without pipelining: one request per connection at a time, like a browser and like Locust, so a slow
    // response never delays an unrelated virtual user's request. undici's HTTP/1.1 default is exactly that, and
    // leaving it unset lets an HTTP/2 connection carry many streams (an explicit 1 would cap those at one too).
    ...(allowH2 ? { allowH2 } : { pipelining: 1 }),
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
    ...(options.maxHeaderSize === undefined ? {} : { maxHeaderSize: options.maxHeaderSize }),
    // Over TLS the server may pick HTTP/2: one connection of many streams then (alpn-pool.ts).
    ...(allowH2 ? { factory: (origin: string | URL, opts: object) => httpsOrigin(origin) ? alpnPool(String(origin), opts, (o) => protocols.get(o)) : new (undici().Pool)(origin, opts) } : {}),
    connect(opts: Undici.buildConnector.Options & { allowH2?: boolean }, callback: Undici.buildConnector.Callback) {
      const offersH2 = allowH2 && opts.allowH2 !== false;
      (offersH2 ? connector : http1Connector)(opts, (error, socket) => {
        // Only connections that offered h2 say what the origin speaks: an HTTP/1.1-only one (a WebSocket's) does not.
        if (error === null && offersH2) {
          const alpn = (socket as { alpnProtocol?: string | false }).alpnProtocol;
          protocols.set(`${opts.protocol}//${opts.host}`, alpn === 'h2' ? 'h2' : 'http/1.1');
        }
        (callback as (e: Error | null, s: unknown) => void)(error, socket);
      });
    },
  });
  negotiated.set(agent, protocols);
  return agent;
}
