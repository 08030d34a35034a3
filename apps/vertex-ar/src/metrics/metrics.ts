/**
 * The service's Prometheus metrics (prom-client), one registry per app so several apps can live in one
 * process (tests) and a cluster worker can hand exactly its own registry to the aggregator. Names follow
 * the Prometheus conventions: HELP on every metric, counters end in `_total`, durations in seconds.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RouteMetrics } from './route-metrics.ts';

/** Every metric the app records, plus its registry. */
export interface AppMetrics {
  readonly registry: Registry;
  /** `http_requests_total` and `http_request_duration_seconds` (by route pattern, method and status). */
  readonly http: RouteMetrics;
  readonly httpInFlight: Gauge;
  readonly httpRejected: Counter<'reason'>;
  readonly exceptions: Counter<'route'>;
  readonly cacheHits: Counter<'cache'>;
  readonly cacheMisses: Counter<'cache'>;
  readonly cacheEvictions: Counter<'cache'>;
  readonly cacheInvalidations: Counter<'cache'>;
  /** `cache_circuit_open`: 1 while the cache's circuit breaker keeps requests off the cache (read from `cacheCircuitSource`). */
  readonly cacheCircuitOpen: Gauge;
  readonly cacheCircuitOpens: Counter;
  readonly cacheErrors: Counter<'kind'>;
  readonly cacheBypassed: Counter<'reason'>;
  readonly dbQueryDuration: Histogram<'operation'>;
  readonly dbSlowQueries: Counter<'operation'>;
  readonly dbPoolWait: Histogram;
  readonly dbPoolExhausted: Counter;
  readonly dbClientErrors: Counter;
  readonly dbUnavailable: Counter;
  readonly storageOperations: Counter<'backend' | 'operation' | 'outcome'>;
  readonly storageDuration: Histogram<'backend' | 'operation'>;
  /** Read at scrape time by `http_requests_in_flight` (set by the server's admission control). */
  inFlightSource: () => number;
  /**
   * Read at scrape time by `cache_hits_total`: hits so far by cache (set by the cache manager, which counts
   * them in plain numbers — prom-client's `inc()` with labels was ~1 µs of a ~20 µs warm `/ar` read).
   */
  cacheHitSource: () => Iterable<readonly [string, number]>;
  /** Read at scrape time by `cache_circuit_open`: 1 when open (set by the guarded Redis cache), else 0. */
  cacheCircuitSource: () => number;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Collect process and Node.js default metrics; default true. */
  defaults?: boolean;
}

// Latency buckets in seconds, from 0.5 ms (a cached hot read) to 10 s (a large upload).
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DB_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

// prom-client also publishes three `*_total` gauges, which promtool rejects ("non-counter metrics should
// not have _total suffix"); the same counts stay available, by type, in `nodejs_active_{handles,requests,resources}`.
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

function addDefaultMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
}

/** Creates the metrics in a fresh registry. */
export function createMetrics(options: MetricsOptions = {}): AppMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaults ?? true) addDefaultMetrics(registry);
  const metrics: AppMetrics = {
    registry,
    inFlightSource: () => 0,
    cacheHitSource: () => [],
    cacheCircuitSource: () => 0,
    http: new RouteMetrics(registry, HTTP_BUCKETS, {
      requests: 'HTTP requests answered, by route pattern, method and status.',
      duration: 'Time from request start to response end, in seconds.',
    }),
    // Read at scrape time, so the hot path pays nothing for it.
    httpInFlight: new Gauge({ name: 'http_requests_in_flight', help: 'HTTP requests being handled now.', registers, collect() { this.set(metrics.inFlightSource()); } }),
    httpRejected: new Counter({ name: 'http_requests_rejected_total', help: 'Requests refused with 503 before routing, by reason.', labelNames: ['reason'], registers }),
    exceptions: new Counter({ name: 'http_exceptions_total', help: 'Requests that failed with an unexpected error (5xx), by route.', labelNames: ['route'], registers }),
    cacheHits: new Counter({
      name: 'cache_hits_total', help: 'Cache lookups answered from the cache, by cache.', labelNames: ['cache'], registers,
      collect() {
        this.reset();
        for (const [cache, n] of metrics.cacheHitSource()) if (n > 0) this.inc({ cache }, n);
      },
    }),
    cacheMisses: new Counter({ name: 'cache_misses_total', help: 'Cache lookups that went to the database, by cache.', labelNames: ['cache'], registers }),
    cacheEvictions: new Counter({ name: 'cache_evictions_total', help: 'Entries evicted by the LRU size bound, by cache.', labelNames: ['cache'], registers }),
    cacheInvalidations: new Counter({ name: 'cache_invalidations_total', help: 'Keys invalidated by writes, by cache.', labelNames: ['cache'], registers }),
    cacheCircuitOpen: new Gauge({
      name: 'cache_circuit_open', help: '1 while the circuit breaker keeps requests off the cache (served from the database), else 0.', registers,
      collect() { this.set(metrics.cacheCircuitSource()); },
    }),
    cacheCircuitOpens: new Counter({ name: 'cache_circuit_opens_total', help: 'Times the cache circuit breaker opened.', registers }),
    cacheErrors: new Counter({ name: 'cache_errors_total', help: 'Cache operations that failed, by kind (error or timeout).', labelNames: ['kind'], registers }),
    cacheBypassed: new Counter({
      name: 'cache_bypassed_total', help: 'Cache operations skipped or abandoned (the request went on without the cache), by reason (failed or circuit_open).', labelNames: ['reason'], registers,
    }),
    dbQueryDuration: new Histogram({
      name: 'db_query_duration_seconds', help: 'Database query duration in seconds, by statement kind.', labelNames: ['operation'], buckets: DB_BUCKETS, registers,
    }),
    dbSlowQueries: new Counter({ name: 'db_slow_queries_total', help: 'Queries slower than the slow-query threshold, by statement kind.', labelNames: ['operation'], registers }),
    dbPoolWait: new Histogram({ name: 'db_pool_acquire_duration_seconds', help: 'Time spent waiting for a pooled database connection, in seconds.', buckets: DB_BUCKETS, registers }),
    dbPoolExhausted: new Counter({ name: 'db_pool_exhausted_total', help: 'Requests refused because no pooled connection freed up within the acquire timeout.', registers }),
    dbClientErrors: new Counter({ name: 'db_client_errors_total', help: "'error' events of pooled database connections (lost connections), all handled.", registers }),
    dbUnavailable: new Counter({ name: 'db_unavailable_total', help: 'Queries and connects that failed because the database could not be reached (answered 503).', registers }),
    storageOperations: new Counter({
      name: 'storage_operations_total', help: 'Storage backend operations, by backend, operation and outcome.', labelNames: ['backend', 'operation', 'outcome'], registers,
    }),
    storageDuration: new Histogram({
      name: 'storage_operation_duration_seconds', help: 'Storage backend operation duration in seconds.', labelNames: ['backend', 'operation'], buckets: HTTP_BUCKETS, registers,
    }),
  };
  return metrics;
}
