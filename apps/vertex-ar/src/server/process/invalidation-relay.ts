/**
 * The primary's half of cross-worker cache invalidation for the in-process LRU: a worker's
 * invalidation is relayed to every other worker that has said hello, and the origin is answered once
 * all of them acknowledged. A worker that does not acknowledge within the timeout is killed (a
 * replacement starts with an empty cache), because answering the write while it may still serve the
 * old value would break read-your-writes.
 */
import type { Worker } from 'node:cluster';
import type { PrimaryMessage } from './ipc-messages.ts';

interface Pending {
  origin: Worker;
  originId: number;
  waiting: Set<number>;
  timer: NodeJS.Timeout;
}

/** Options of {@link InvalidationRelay}. */
export interface InvalidationRelayOptions {
  /** How long to wait for acks before killing the laggards, in ms; default 5000. */
  ackTimeoutMs?: number;
  log?: (message: string) => void;
}

/** Tracks relayed invalidations and their acks. */
export class InvalidationRelay {
  readonly #ready = new Map<number, Worker>();
  readonly #pending = new Map<number, Pending>();
  readonly #ackTimeoutMs: number;
  readonly #log: (message: string) => void;
  #nextId = 1;

  constructor(options: InvalidationRelayOptions = {}) {
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.#log = options.log ?? (() => {});
  }

  /** A worker installed its message handler: from now on it receives invalidations. */
  addWorker(worker: Worker): void {
    this.#ready.set(worker.id, worker);
  }

  /** A worker exited: it no longer holds a cache, so nobody waits for it. */
  removeWorker(worker: Worker): void {
    this.#ready.delete(worker.id);
    for (const [id, p] of this.#pending) {
      if (p.origin.id === worker.id) this.#finish(id, false);
      else if (p.waiting.delete(worker.id) && p.waiting.size === 0) this.#finish(id, true);
    }
  }

  /** Relays `keys` from `origin` to every other ready worker. */
  relay(origin: Worker, originId: number, keys: string[]): void {
    const id = this.#nextId++;
    const waiting = new Set<number>();
    for (const w of this.#ready.values()) {
      if (w.id === origin.id || !w.isConnected()) continue;
      waiting.add(w.id);
      w.send({ vx: 'invalidate', id, keys } satisfies PrimaryMessage);
    }
    const timer = setTimeout(() => this.#timeout(id), this.#ackTimeoutMs);
    timer.unref();
    this.#pending.set(id, { origin, originId, waiting, timer });
    if (waiting.size === 0) this.#finish(id, true);
  }

  /** A worker dropped the keys of relay `id`. */
  ack(worker: Worker, id: number): void {
    const p = this.#pending.get(id);
    if (p && p.waiting.delete(worker.id) && p.waiting.size === 0) this.#finish(id, true);
  }

  #timeout(id: number): void {
    const p = this.#pending.get(id);
    if (!p) return;
    for (const wid of p.waiting) {
      const w = this.#ready.get(wid);
      this.#log(`worker ${wid} did not acknowledge a cache invalidation within ${this.#ackTimeoutMs} ms; killing it`);
      this.#ready.delete(wid);
      w?.process.kill('SIGKILL');
    }
    this.#finish(id, true);
  }

  #finish(id: number, reply: boolean): void {
    const p = this.#pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.#pending.delete(id);
    if (reply && p.origin.isConnected()) p.origin.send({ vx: 'reply', id: p.originId } satisfies PrimaryMessage);
  }
}
