/**
 * GET /ar/:publicId/live — live AR content updates: a viewer of `/ar/:publicId` opens a WebSocket here and is told
 * which video is active now, and then again each time that changes (a schedule edited, a video uploaded or
 * deleted, a schedule window opening or closing), without polling the AR document.
 *
 * Messages (JSON text):
 *   server → viewer  {"type":"video","public_id":…,"video":{…}|null}   at once, then on every change
 *                    {"type":"gone","public_id":…}                      the portrait was deleted (then close 4404)
 *                    {"type":"pong"}                                    answer to a ping
 *   viewer → server  {"type":"ping"}                                    keep-alive / round-trip probe
 *
 * When is a change seen: at once after a write answered by this process (a hook on every non-GET route checks
 * the watched portraits), and within a second otherwise — a write answered by another cluster worker (which
 * invalidates this worker's cache), or a schedule bound that time crossed — by a once-a-second check that runs
 * only while someone watches. A check reads the same cached AR entry as `GET /ar/:publicId` and sends a message
 * only to the viewers whose document changed, serialized once for all of them.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { activeVideo, getArEntry } from '../ar/ar-content.ts';
import { isPublicId, PUBLIC_ID_PATTERN } from '../ar/public-id.ts';
import { acceptWebSocket, refuseUpgrade, type ServerWebSocket } from './websocket.ts';

const LIVE_PATH = /^\/ar\/([^/?#]+)\/live(?:\?.*)?$/;
/** How often the watched portraits are checked for changes nobody here wrote (ms). */
const CHECK_INTERVAL_MS = 1_000;
/** Close code for a portrait that no longer exists (4000–4999 are the application's). */
const CLOSE_GONE = 4404;
const PONG = JSON.stringify({ type: 'pong' });

/** The viewers of one portrait and the last document they were sent. */
interface Watched {
  viewers: Set<ServerWebSocket>;
  last: string;
}

/** Every live viewer of this process, by public id. */
export class LiveViewers {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private checkAgain = false;

  constructor(private readonly ctx: AppContext) {}

  /** Viewers connected now (all portraits). */
  get count(): number {
    let n = 0;
    for (const w of this.watched.values()) n += w.viewers.size;
    return n;
  }

  /** An 'upgrade' request of the HTTP server: a viewer for a live path, anything else refused. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const match = LIVE_PATH.exec(req.url ?? '');
    if (match === null) return refuseUpgrade(socket, 404, 'Not Found');
    const publicId = decodeURIComponent(match[1]!);
    const message = isPublicId(publicId) ? await this.document(publicId) : undefined;
    if (message === undefined) return refuseUpgrade(socket, 404, 'Not Found');
    const viewer = acceptWebSocket(req, socket, head);
    if (viewer === undefined) return;
    let watched = this.watched.get(publicId);
    if (watched === undefined) this.watched.set(publicId, (watched = { viewers: new Set(), last: message }));
    watched.viewers.add(viewer);
    viewer.send(message);
    // Newer than what the others were sent: they learn it from the check.
    if (message !== watched.last) void this.check();
    viewer.on('message', (data) => {
      if (typeof data === 'string' && isPing(data)) viewer.send(PONG);
    });
    viewer.on('close', () => this.leave(publicId, viewer));
    this.timer ??= setInterval(() => void this.check(), CHECK_INTERVAL_MS).unref();
  }

  /**
   * Compare every watched portrait's document with what its viewers were sent, and tell those whose changed.
   * Overlapping calls run one after the other, the last one after every write that asked for it.
   */
  check(): Promise<void> {
    if (this.checking !== undefined) {
      this.checkAgain = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.checkAgain = false;
        for (const [publicId, watched] of [...this.watched]) await this.refresh(publicId, watched);
      } while (this.checkAgain);
    })().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  /** Close every viewer (the server stops). */
  close(): void {
    for (const watched of this.watched.values()) for (const viewer of watched.viewers) viewer.close(1001, 'server stopping');
    this.watched.clear();
    this.stopTimer();
  }

  private async refresh(publicId: string, watched: Watched): Promise<void> {
    let message: string | undefined;
    try {
      message = await this.document(publicId);
    } catch {
      return; // the database or cache is failing: viewers keep what they have, the next check retries
    }
    if (message === undefined) {
      const gone = JSON.stringify({ type: 'gone', public_id: publicId });
      for (const viewer of watched.viewers) {
        viewer.send(gone);
        viewer.close(CLOSE_GONE, 'portrait deleted');
      }
      this.watched.delete(publicId);
      return;
    }
    if (message === watched.last) return;
    watched.last = message;
    for (const viewer of watched.viewers) viewer.send(message);
  }

  /** The `video` message of a portrait now, or undefined when there is no such portrait. */
  private async document(publicId: string): Promise<string | undefined> {
    const entry = await getArEntry(this.ctx, publicId);
    if (entry === undefined) return undefined;
    const active = activeVideo(entry, new Date(this.ctx.now()).toISOString());
    // The public shape, as GET /ar/:publicId shows it: no row id of the portrait.
    const video = active === null ? null : { ...active, portrait_id: undefined };
    return JSON.stringify({ type: 'video', public_id: publicId, video });
  }

  private leave(publicId: string, viewer: ServerWebSocket): void {
    const watched = this.watched.get(publicId);
    if (watched === undefined) return;
    watched.viewers.delete(viewer);
    if (watched.viewers.size === 0) this.watched.delete(publicId);
    if (this.watched.size === 0) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function isPing(text: string): boolean {
  try {
    return (JSON.parse(text) as { type?: unknown }).type === 'ping';
  } catch {
    return false;
  }
}

/**
 * Registers the live endpoint: the WebSocket upgrade on the HTTP server, the documented route (a plain GET is
 * told to upgrade), and the check after writes. Register it before the routes whose writes it watches: the
 * hook is added to routes as they are declared.
 */
export function registerLiveRoutes(app: FastifyInstance, ctx: AppContext): LiveViewers {
  const live = new LiveViewers(ctx);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((m) => m === 'GET' || m === 'HEAD')) return;
    const existing = route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse];
    route.onResponse = [
      ...existing,
      (_request, reply, done) => {
        if (reply.statusCode < 400 && live.count > 0) void live.check();
        done();
      },
    ];
  });
  app.get<{ Params: { publicId: string } }>('/ar/:publicId/live', {
    schema: {
      tags: ['ar'],
      description:
        'Live AR content updates over WebSocket (send `Upgrade: websocket`). The server sends ' +
        '`{"type":"video","public_id","video"}` at once and whenever the active video changes, ' +
        '`{"type":"gone"}` (then close 4404) when the portrait is deleted, and answers `{"type":"ping"}` with ' +
        '`{"type":"pong"}`. Without the upgrade: 426.',
      params: {
        type: 'object',
        required: ['publicId'],
        properties: { publicId: { type: 'string', description: `the portrait's public_id (${PUBLIC_ID_PATTERN})` } },
      },
      response: { 426: { $ref: 'ErrorBody#' } },
    },
  }, (_request, reply) => {
    void reply.code(426).header('upgrade', 'websocket').send({
      error: { code: 'VERTEX_ERR_UPGRADE_REQUIRED', message: 'this endpoint speaks WebSocket: send Upgrade: websocket' },
    });
  });
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    live.upgrade(req, socket, head).catch(() => refuseUpgrade(socket, 503, 'Service Unavailable'));
  });
  // Before the HTTP server closes: it would wait for the viewers' connections otherwise.
  app.addHook('preClose', (done) => {
    live.close();
    done();
  });
  return live;
}
