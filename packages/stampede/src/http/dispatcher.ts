/**
 * The per-thread connection pool. Sessions (one per virtual user) are cheap; connections are not, so every session
 * of a thread shares one undici Agent (a keep-alive Pool per origin). The runner creates it when the thread starts
 * and closes it at the end.
 */
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import { requireCjs } from '../cjs.ts';

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
}

/** Default connect timeout in ms, shared with the session defaults. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Create the thread-shared dispatcher. Close it with `await dispatcher.close()` (lets in-flight requests finish)
 * or `dispatcher.destroy()` (aborts them; they are recorded as `interrupted`).
 */
export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  return new (undici().Agent)({
    connections: options.connectionsPerOrigin ?? 1024,
    // HTTP/1.1 without pipelining: one request per connection at a time, like a browser and like Locust,
    // so a slow response never delays an unrelated virtual user's request.
    pipelining: 1,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
    ...(options.maxHeaderSize === undefined ? {} : { maxHeaderSize: options.maxHeaderSize }),
    connect: {
      timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: options.rejectUnauthorized }),
    },
  });
}
