/**
 * Warms the raw loop before a run's clock starts: a few thousand requests over loopback to a throwaway server in
 * this thread, closed loop then paced, recorded into a throwaway StatsSet. Nothing reaches the target, so its
 * request count stays exactly what the report says.
 *
 * Why: V8 optimizes the send / parse / record path after a few hundred requests, and the compiler shares the
 * generator's core. A paced run otherwise pays for it inside its first second: the same requests (#1, #40, #71,
 * #174 at 200 req/s) were the slowest of every run — 4 to 5 of the 20 that make up p99 in a 10 s run (issue 11,
 * goal 4). Costs ~100–200 ms once.
 */
import net, { type Server, type Socket } from 'node:net';
import { StatsSet } from '../../stats/stats-set.ts';
import { LeanLoadLoop } from './lean-loop.ts';
import { buildRequest } from '../../http/lean/request-head.ts';

/** What the throwaway server answers: a small keep-alive response, as most targets send. */
const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: keep-alive\r\n\r\nhello world');

function answerEveryRequest(socket: Socket): void {
  socket.setNoDelay(true);
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    // Requests are bodiless GETs: one response per blank line that ends a head.
    pending += chunk.toString('latin1');
    let end: number;
    while ((end = pending.indexOf('\r\n\r\n')) !== -1) {
      pending = pending.slice(end + 4);
      socket.write(RESPONSE);
    }
  });
  socket.on('error', () => {});
}

async function listen(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    answerEveryRequest(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, port: (server.address() as net.AddressInfo).port, sockets };
}

/** Closed-loop time, then paced time, ms: long enough for V8 to optimize the path (a few thousand requests). */
const CLOSED_MS = 80;
const PACED_MS = 80;

/**
 * Runs the raw loop against a loopback server of its own with `connections` (the run's own count, at most 10);
 * resolves when every socket is closed.
 */
export async function warmLeanPath(connections: number): Promise<void> {
  const { server, port, sockets } = await listen();
  try {
    const request = buildRequest('GET', '/warm-up', `127.0.0.1:${port}`, ['user-agent', 'stampede']);
    const target = { host: '127.0.0.1', port, connectTimeoutMs: 1000, headersTimeoutMs: 1000, bodyTimeoutMs: 1000 };
    const conns = Math.max(1, Math.min(10, connections));
    const base = { target, request, isHead: false, connections: conns, method: 'GET', name: '/warm-up', recorder: new StatsSet({}) };
    await new LeanLoadLoop(base).run(performance.now() + CLOSED_MS);
    // Paced: the open model's own path (pacer, idle connections, corrected latency), 2,000 slots a second.
    const now = performance.now();
    await new LeanLoadLoop({ ...base, pacing: { firstSlotMs: now, intervalMs: 0.5 } }).run(now + PACED_MS);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
