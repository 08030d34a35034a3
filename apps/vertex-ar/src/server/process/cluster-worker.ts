/**
 * A `node:cluster` worker: says hello to the primary (so it receives cache invalidations before it can
 * serve a request), starts the server on the shared port and reports it listening.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { MetricsScrape } from '../../metrics/http-metrics.ts';
import type { ClusterLink } from './cluster-link.ts';
import { isVertexMessage, type PrimaryMessage, type WorkerMessage } from './ipc-messages.ts';
import { startServer, type RunningServer, type ServerOptions } from './start-server.ts';

type Reply = Extract<PrimaryMessage, { vx: 'reply' }>;

/** The worker's IPC endpoint: requests with replies, and relayed invalidations. */
function createLink(): ClusterLink & { request(message: WorkerMessage): Promise<Reply> } {
  const waiting = new Map<number, (reply: Reply) => void>();
  let nextId = 1;
  let onInvalidation: ((keys: readonly string[]) => void) | undefined;
  process.on('message', (message: unknown) => {
    if (!isVertexMessage(message)) return;
    const m = message as PrimaryMessage;
    if (m.vx === 'reply') {
      waiting.get(m.id)?.(m);
      waiting.delete(m.id);
    } else if (m.vx === 'invalidate') {
      onInvalidation?.(m.keys);
      process.send!({ vx: 'ack', id: m.id } satisfies WorkerMessage);
    }
  });
  const request = (message: WorkerMessage): Promise<Reply> =>
    new Promise((resolve) => {
      waiting.set((message as { id: number }).id, resolve);
      process.send!(message);
    });
  return {
    workerId: cluster.worker!.id,
    request,
    broadcastInvalidation: async (keys) => {
      await request({ vx: 'invalidate', id: nextId++, keys: [...keys] });
    },
    onInvalidation: (handler) => {
      onInvalidation = handler;
    },
    login: async (op, address, username) => (await request({ vx: 'login', id: nextId++, op, address, username })).retryAfter ?? 0,
    scrape: async (): Promise<MetricsScrape> => {
      const reply = await request({ vx: 'metrics', id: nextId++ });
      if (reply.error !== undefined) throw new Error(`metrics aggregation failed: ${reply.error}`);
      return { body: reply.body ?? '', contentType: reply.contentType ?? 'text/plain' };
    },
  };
}

/** Runs the worker side; resolves once listening (the caller installs the signal handlers). */
export async function runWorker(options: ServerOptions): Promise<RunningServer> {
  const link = createLink();
  // prom-client answers the primary's aggregation requests only once an AggregatorRegistry exists here.
  new AggregatorRegistry();
  await link.request({ vx: 'hello', id: 0 });
  const server = await startServer({ ...options, migrate: false, adminUsername: undefined, adminPassword: undefined, cluster: link });
  AggregatorRegistry.setRegistries([server.app.metricsRegistry]);
  process.send!({ vx: 'listening', url: server.url } satisfies WorkerMessage);
  return server;
}
