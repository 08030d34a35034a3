/** startServer: buildApp + listen, with a close() that shuts down gracefully. */
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../app.ts';

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
  /** Stops accepting connections, finishes in-flight requests, flushes counters, closes the db. */
  close(): Promise<void>;
}

/** Builds the app and listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const app = await buildApp(options);
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: options.port ?? 8000 });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    app,
    close: () => (closing ??= app.close()),
  };
}
