/**
 * What an app needs from the cluster primary when it runs in a `node:cluster` worker: relayed cache
 * invalidations (in-process LRU only) and the aggregated `/metrics`. Outside a cluster there is no link.
 */
import type { LoginLimitOp } from '../../auth/login-limiter.ts';
import type { ScrapeMetrics } from '../../metrics/http-metrics.ts';

/** The worker side of the cluster IPC. */
export interface ClusterLink {
  /** `cluster.worker.id`. */
  workerId: number;
  /** Has every other worker drop `keys`; resolves when all have acknowledged. */
  broadcastInvalidation(keys: readonly string[]): Promise<void>;
  /** Registers what to do when another worker invalidated keys (called before the ack is sent). */
  onInvalidation(handler: (keys: readonly string[]) => void): void;
  /** The metrics of every worker, aggregated by the primary. */
  scrape: ScrapeMetrics;
  /** One operation on the primary's failed-login limiter; the answer is `check`'s retry-after seconds, else 0. */
  login(op: LoginLimitOp, address: string, username: string): Promise<number>;
}
