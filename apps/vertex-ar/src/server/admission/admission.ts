/**
 * Admission control in front of Fastify: the per-worker concurrency limit and the in-flight count.
 * It sits in the `http.Server` request listener, before routing, so an overloaded worker refuses with
 * a prebuilt 503 for a few microseconds instead of parsing, routing and validating first.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';

/** Options of {@link createAdmissionServer}. */
export interface AdmissionOptions {
  /** Requests handled at once; 0 = unlimited. */
  concurrencyLimit: number;
  /** Idle keep-alive connection lifetime, in ms. */
  keepAliveTimeoutMs: number;
  /** Seconds the client is told to wait in `Retry-After`. */
  retryAfterSeconds?: number;
  /** Called for each refused request (metrics). */
  onReject?: () => void;
}

/** Live admission state (read by the in-flight gauge). */
export interface AdmissionState {
  inFlight: number;
}

const REJECT_BODY = Buffer.from(JSON.stringify({
  error: { code: 'VERTEX_ERR_UNAVAILABLE', message: 'server at its concurrency limit; retry after the Retry-After delay' },
}));

/** A Fastify `serverFactory` that enforces the limit; `state` is updated as requests come and go. */
export function createAdmissionServer(options: AdmissionOptions, state: AdmissionState) {
  const limit = Math.max(0, Math.trunc(options.concurrencyLimit));
  const rejectHeaders = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(REJECT_BODY.length),
    'retry-after': String(options.retryAfterSeconds ?? 1),
  };
  // One shared listener: no closure per request. 'close' fires once per response, finished or aborted.
  const release = () => {
    state.inFlight--;
  };
  return (handler: RequestListener): Server => {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (limit > 0 && state.inFlight >= limit) {
        options.onReject?.();
        res.writeHead(503, rejectHeaders);
        res.end(REJECT_BODY);
        return;
      }
      state.inFlight++;
      // `on`, not `once`: 'close' fires once per response anyway, and once() wraps the listener in a new
      // closure per request (issue 11, goal 6). The response object is dropped with its listener.
      res.on('close', release);
      handler(req, res);
    });
    server.keepAliveTimeout = options.keepAliveTimeoutMs;
    // Node requires headersTimeout > keepAliveTimeout, or a reused idle socket can be cut mid-request.
    server.headersTimeout = Math.max(server.headersTimeout, options.keepAliveTimeoutMs + 1000);
    return server;
  };
}
