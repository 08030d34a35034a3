/**
 * Serves `/metrics` of a running test: on its own port in headless mode (`--prometheus-port`), or mounted on the
 * web UI's server through {@link createMetricsHandler}. Every scrape renders the Aggregate afresh; a scrape never
 * resets or changes the statistics (Locust's exporter trap).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Aggregate } from '../stats/aggregate.ts';
import { PrometheusError } from './errors.ts';
import { EXPOSITION_CONTENT_TYPE } from './exposition.ts';
import { renderTestMetrics, type RunnerView, type TestMetricsOptions } from './test-metrics.ts';

/** What to expose: the run's Aggregate and runner, and optionally its thresholds. */
export interface TestMetricsSource extends TestMetricsOptions {
  aggregate: Aggregate;
  runner?: RunnerView;
}

/** Options of {@link startTestMetricsServer}. */
export interface TestMetricsServerOptions extends TestMetricsSource {
  /** Port; 0 picks a free one. */
  port: number;
  /** Interface to bind. Default 127.0.0.1: never all interfaces unless asked (as for the web UI). */
  host?: string;
}

/** A listening exporter. */
export interface TestMetricsServer {
  /** The scrape URL, e.g. `http://127.0.0.1:9646/metrics`. */
  url: string;
  /** The bound port. */
  port: number;
  /** Stops listening and closes idle keep-alive connections. */
  close(): Promise<void>;
}

/**
 * A request handler answering `GET|HEAD /metrics` (query strings ignored). Returns false for any other path so
 * that a host server can go on routing; answers 405 for other methods on `/metrics`.
 */
export function createMetricsHandler(source: TestMetricsSource): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return true;
    }
    let body: string;
    try {
      body = renderTestMetrics(source.aggregate, source.runner, source);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`cannot render metrics: ${(error as Error).message}\n`);
      return true;
    }
    res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}

/**
 * Starts an HTTP server that serves only `/metrics` (404 elsewhere).
 * @throws PrometheusError `STAMPEDE_ERR_PROMETHEUS_LISTEN` when the port is taken or the host cannot be bound
 */
export async function startTestMetricsServer(options: TestMetricsServerOptions): Promise<TestMetricsServer> {
  const handle = createMetricsHandler(options);
  const server = createServer((req, res) => {
    if (!handle(req, res)) res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: metrics are at /metrics\n');
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${options.port}`;
      reject(new PrometheusError('STAMPEDE_ERR_PROMETHEUS_LISTEN', `cannot serve /metrics on ${where}: ${error.code ?? error.message}`, 'choose a free --prometheus-port (0 picks one) or another host'));
    });
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}/metrics`,
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })),
  };
}
