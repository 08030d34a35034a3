/**
 * HTTP instrumentation: one synchronous onResponse hook that counts the request and observes its
 * duration, labelled by route pattern (never the raw URL, which would explode cardinality), method and
 * status, into plain numbers (route-metrics.ts: nothing allocated per request once a series exists); and
 * the `/metrics` route, whose text comes from a scrape function (the local registry, or the cluster
 * primary's aggregate under `node:cluster`).
 */
import type { FastifyInstance } from 'fastify';
import type { AppMetrics } from './metrics.ts';

/** What `/metrics` serves. */
export interface MetricsScrape {
  contentType: string;
  body: string;
}

/** Produces the `/metrics` text. */
export type ScrapeMetrics = () => Promise<MetricsScrape>;

/** Route label of requests no route matched (404s). */
export const UNMATCHED_ROUTE = 'unmatched';

/** The scrape of a single process: its own registry. */
export function localScrape(metrics: AppMetrics): ScrapeMetrics {
  return async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() });
}

/** Adds the counting hook and the `/metrics` route to `app`. */
export function installHttpMetrics(app: FastifyInstance, metrics: AppMetrics, scrape: ScrapeMetrics): void {
  const http = metrics.http;
  app.addHook('onResponse', (request, reply, done) => {
    http.observe(http.series(request.routeOptions.url ?? UNMATCHED_ROUTE, request.method, reply.statusCode), reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const { contentType, body } = await scrape();
    return reply.type(contentType).send(body);
  });
}
