/**
 * The web UI's HTTP server (node:http; docs/web-ui.md). Every request passes the same gate — Host check, then
 * credentials when configured, then the token and JSON body on state-changing calls — and every answer carries the
 * security headers. Routes live in web-routes.ts.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ErrorBody } from './api-types.ts';
import { WebError } from './errors.ts';
import type { EventStream } from './event-stream.ts';
import type { UiBundle } from './ui-bundle.ts';
import { allowedHostnames, authorized, checkStateChange, hostnameOf, SECURITY_HEADERS, type WebAuth } from './web-security.ts';
import type { WebRoutes } from './web-routes.ts';

/** Options of the web server. */
export interface WebServerOptions {
  /** Bind address (default 127.0.0.1) and port (0 picks a free one). */
  host: string;
  port: number;
  /** Credentials every request must carry; required off loopback (checked by the caller). */
  auth?: WebAuth;
  /** Host-header names accepted besides loopback names and the bind address. */
  allowedHosts?: string[];
  /** The per-process token state-changing calls must carry. */
  csrfToken: string;
  ui: UiBundle;
  stream: EventStream;
  routes: WebRoutes;
}

/** A listening web server. */
export interface RunningWebServer {
  /** The URL to open, e.g. `http://127.0.0.1:8089/`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Largest JSON body accepted, in bytes. */
const MAX_BODY_BYTES = 64 * 1024;

/** Sends a JSON answer with the security headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends an error as `{ error: { code, message } }`. */
export function sendError(res: ServerResponse, error: unknown): void {
  const e = error instanceof WebError ? error : new WebError('STAMPEDE_ERR_WEB_INTERNAL', (error as Error)?.message ?? 'internal error', 500);
  const body: ErrorBody = { error: { code: e.code, message: e.message } };
  if (!res.headersSent) sendJson(res, e.status, body);
  else res.end();
}

function sendText(res: ServerResponse, type: string, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new WebError('STAMPEDE_ERR_WEB_BODY', `body above ${MAX_BODY_BYTES} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new WebError('STAMPEDE_ERR_WEB_BODY', 'body is not valid JSON', 400);
  }
}

/** Starts the server; resolves once it listens. */
export async function startWebServer(o: WebServerOptions): Promise<RunningWebServer> {
  const hostnames = allowedHostnames(o.host, o.allowedHosts);
  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, error));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: a page on evil.example resolved to 127.0.0.1 still sends Host: evil.example.
    if (!hostnames.has(hostnameOf(req.headers.host))) {
      throw new WebError('STAMPEDE_ERR_WEB_HOST', 'unexpected Host header (open the UI by the address it printed)', 421);
    }
    if (o.auth && !authorized(o.auth, req.headers.authorization)) {
      res.writeHead(401, { ...SECURITY_HEADERS, 'www-authenticate': 'Basic realm="stampede", charset="UTF-8"', 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'STAMPEDE_ERR_WEB_AUTH', message: 'credentials required' } } satisfies ErrorBody));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname;
    if (req.method === 'POST') {
      checkStateChange(req, o.csrfToken);
      const action = o.routes.actions[route];
      if (!action) throw new WebError('STAMPEDE_ERR_WEB_NOT_FOUND', `no action ${route}`, 404);
      sendJson(res, 200, await action(await readJsonBody(req)));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD, POST');
      throw new WebError('STAMPEDE_ERR_WEB_METHOD', `method ${req.method} not allowed`, 405);
    }
    if (route === '/' || route === '/index.html') return sendText(res, 'text/html; charset=utf-8', o.ui.html(o.csrfToken));
    if (route === '/app.js') return sendText(res, 'text/javascript; charset=utf-8', o.ui.js);
    if (route === '/app.css') return sendText(res, 'text/css; charset=utf-8', o.ui.css);
    if (route === '/favicon.ico') {
      res.writeHead(204, SECURITY_HEADERS);
      res.end();
      return;
    }
    if (route === '/api/stream') {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      o.stream.attach(res);
      return;
    }
    const json = o.routes.json[route];
    if (json) return sendJson(res, 200, await json(url.searchParams));
    const text = o.routes.text[route];
    if (text) {
      const t = text();
      return sendText(res, t.type, t.body, { 'cache-control': 'no-store' });
    }
    const file = o.routes.downloads[route];
    if (file) {
      const d = await file();
      if (!d) throw new WebError('STAMPEDE_ERR_WEB_NOT_FOUND', 'nothing to download yet: start a test first', 404);
      return sendText(res, d.type, d.body, { 'content-disposition': `attachment; filename="${d.filename}"` });
    }
    throw new WebError('STAMPEDE_ERR_WEB_NOT_FOUND', `no page ${route.slice(0, 200)}`, 404);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
  const urlHost = shown === '0.0.0.0' || shown === '[::]' ? '127.0.0.1' : shown;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        o.stream.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
