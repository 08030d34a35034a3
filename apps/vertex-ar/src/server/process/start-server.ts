/** startServer: buildApp + listen, with a close() that shuts down gracefully within the configured timeout. */
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../app.ts';
import { DEFAULT_TUNING } from '../config/tuning.ts';

/** Options of {@link startServer}. */
export interface ServerOptions extends AppOptions {
  /** Interface to bind; default 127.0.0.1 (never all interfaces unless asked). */
  host?: string;
  /** Port; 0 picks a free one. Default 8000. */
  port?: number;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  app: FastifyInstance;
  /**
   * Stops accepting connections, finishes in-flight requests (cutting connections still open after
   * the graceful shutdown timeout), flushes counters, closes cache and database. Resolves to false
   * when the timeout had to cut connections.
   */
  close(): Promise<boolean>;
}

/** Builds the app and listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const app = await buildApp(options);
  const host = options.host ?? '127.0.0.1';
  const tuning = options.tuning ?? DEFAULT_TUNING;
  try {
    await app.listen({ host, port: options.port ?? 8000, backlog: tuning.backlog });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<boolean> | undefined;
  const close = async (): Promise<boolean> => {
    let graceful = true;
    const timer = setTimeout(() => {
      graceful = false;
      // Past the deadline: cut what is left so the database and cache can close and the process exit.
      app.server.closeAllConnections();
    }, tuning.gracefulShutdownTimeoutMs);
    try {
      await app.close();
    } finally {
      clearTimeout(timer);
    }
    return graceful;
  };
  return { url: `http://${shownHost}:${port}`, app, close: () => (closing ??= close()) };
}
