/**
 * Messages between the cluster primary and its workers (issue #8). All carry `vx` so they never clash
 * with prom-client's own aggregation messages on the same channel.
 */
import type { LoginLimitOp } from '../../auth/login-limiter.ts';

/** Worker → primary. `id` pairs a request with its reply. */
export type WorkerMessage =
  | { vx: 'hello'; id: number }
  | { vx: 'listening'; url: string }
  | { vx: 'invalidate'; id: number; keys: string[] }
  | { vx: 'ack'; id: number }
  | { vx: 'metrics'; id: number }
  // Failed-login limiting, held by the primary so that it is one limit for the whole cluster.
  | { vx: 'login'; id: number; op: LoginLimitOp; address: string; username: string };

/** Primary → worker. */
export type PrimaryMessage =
  | { vx: 'reply'; id: number; body?: string; contentType?: string; error?: string; retryAfter?: number }
  | { vx: 'invalidate'; id: number; keys: string[] };

/** True for our messages (prom-client and Node send others on the same channel). */
export function isVertexMessage(message: unknown): message is WorkerMessage | PrimaryMessage {
  return typeof message === 'object' && message !== null && typeof (message as { vx?: unknown }).vx === 'string';
}
