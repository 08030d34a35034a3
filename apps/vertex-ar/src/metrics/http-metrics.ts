/**
 * HTTP instrumentation: one synchronous onResponse hook that counts the request and observes its
 * duration, labelled by route pattern (never the raw URL, which would explode cardinality), method and
 * status; and the `/metrics` route, whose text comes from a scrape function (the local registry, or the
 * cluster primary's aggregate under `node:cluster`).
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

type Labels = { route: string; method: string; status: string };

/** Route label of requests no route matched (404s). */
export const UNMATCHED_ROUTE = 'unmatched';

// Label objects are reused: routes, methods and statuses are finite, so the nested maps stay small and
// the hot path allocates nothing after warm-up (prom-client hashes the object it is given).
function labelCache(): (route: string, method: string, status: number) => Labels {
  const byRoute = new Map<string, Map<string, Map<number, Labels>>>();
  return (route, method, status) => {
    let byMethod = byRoute.get(route);
    if (!byMethod) byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let labels = byStatus.get(status);
    if (!labels) byStatus.set(status, (labels = { route, method, status: String(status) }));
    return labels;
  };
}

/** The scrape of a single process: its own registry. */
export function localScrape(metrics: AppMetrics): ScrapeMetrics {
  return async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() });
}

/** Adds the counting hook and the `/metrics` route to `app`. */
export function installHttpMetrics(app: FastifyInstance, metrics: AppMetrics, scrape: ScrapeMetrics): void {
  const labelsFor = labelCache();
  app.addHook('onResponse', (request, reply, done) => {
    const labels = labelsFor(request.routeOptions.url ?? UNMATCHED_ROUTE, request.method, reply.statusCode);
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const { contentType, body } = await scrape();
    return reply.type(contentType).send(body);
  });
}
