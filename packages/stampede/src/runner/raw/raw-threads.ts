/**
 * The main thread's side of `stampede quick`: start the threads (worker_threads, or one in-process host when a
 * single thread is asked for: the main thread has nothing else to do then), split the connections, collect
 * snapshots once a second, and gather the final deltas.
 */
import { Worker } from 'node:worker_threads';
import { moduleUrl } from '../../module-url.ts';
import type { StatsDelta } from '../../stats/types.ts';
import { QuickThreadHost, type FromQuickThread, type QuickThreadInit, type ToQuickThread } from './raw-thread.ts';

// Worker threads do not inherit the tsx loader: the runner's boot file registers it for the sources, then imports our entry.
const bootUrl = new URL('../worker-boot.mjs', import.meta.url);
const entryUrl = moduleUrl('./raw-worker', import.meta.url);

interface ThreadHandle {
  post(message: ToQuickThread): void;
  terminate(): Promise<void>;
}

/** Connections of thread `i` of `threads` (the first ones take the remainder). */
export function connectionsOf(i: number, threads: number, connections: number): number {
  return Math.floor(connections / threads) + (i < connections % threads ? 1 : 0);
}

function startWorker(init: QuickThreadInit, onMessage: (m: FromQuickThread) => void): ThreadHandle {
  const worker = new Worker(bootUrl, { workerData: { ...init, entryUrl } });
  worker.on('message', onMessage);
  worker.on('error', (error) => onMessage({ type: 'init-error', threadId: init.threadId, message: `quick thread ${init.threadId} failed: ${error.message}` }));
  return {
    post: (m) => worker.postMessage(m),
    terminate: async () => {
      await worker.terminate();
    },
  };
}

function startInProcess(init: QuickThreadInit, onMessage: (m: FromQuickThread) => void): ThreadHandle {
  // Replies go out on a later turn, as they would from a worker.
  const host = new QuickThreadHost(init, (m) => queueMicrotask(() => onMessage(m)));
  void host.prepare().then(() => onMessage({ type: 'ready', threadId: init.threadId }));
  return { post: (m) => host.handle(m), terminate: async () => {} };
}

/** The running threads of one quick run. */
export class QuickThreads {
  private readonly handles: ThreadHandle[] = [];
  private readonly pending = new Map<number, (delta: StatsDelta) => void>();
  private ready = 0;
  private doneCount = 0;
  private readonly finals: StatsDelta[] = [];
  private onReady: (() => void) | null = null;
  private onInitError: ((message: string) => void) | null = null;
  private onDone: (() => void) | null = null;
  private seq = 0;
  /** Open-model counters summed over the threads that finished. */
  readonly schedule = { started: 0, late: 0, dropped: 0 };
  /** Requests in flight at the last snapshot, summed over threads. */
  inFlight = 0;

  constructor(
    base: Omit<QuickThreadInit, 'threadId' | 'threads' | 'connections'>,
    connections: number,
    threads: number,
    private readonly onWarning: (message: string) => void,
  ) {
    const count = Math.max(1, Math.min(threads, connections));
    for (let i = 0; i < count; i++) {
      const init: QuickThreadInit = { ...base, threadId: i, threads: count, connections: connectionsOf(i, count, connections) };
      const listener = (m: FromQuickThread) => this.onMessage(m);
      this.handles.push(count === 1 ? startInProcess(init, listener) : startWorker(init, listener));
    }
  }

  /** Resolves when every thread is ready; rejects with the first thread's load error. */
  waitReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.onReady = resolve;
      this.onInitError = (message) => reject(new Error(message));
      if (this.ready === this.handles.length) resolve();
    });
  }

  /** Start every thread at `startEpochMs`; none starts a request at or after `endEpochMs`. */
  start(startEpochMs: number, endEpochMs: number): void {
    for (const h of this.handles) h.post({ type: 'start', startEpochMs, endEpochMs });
  }

  /** Everything recorded since the previous snapshot, one delta per thread (threads answer even when done). */
  snapshot(): Promise<StatsDelta[]> {
    const seq = ++this.seq;
    const list: StatsDelta[] = [];
    this.inFlight = 0;
    const all = new Promise<StatsDelta[]>((resolve) => {
      this.pending.set(seq, (delta) => {
        list.push(delta);
        if (list.length < this.handles.length) return;
        this.pending.delete(seq);
        resolve(list);
      });
    });
    for (const h of this.handles) h.post({ type: 'snapshot', seq });
    return all;
  }

  stop(): void {
    for (const h of this.handles) h.post({ type: 'stop' });
  }

  interrupt(): void {
    for (const h of this.handles) h.post({ type: 'interrupt' });
  }

  /** Resolves with every thread's final delta once all have finished. */
  finished(): Promise<StatsDelta[]> {
    return new Promise((resolve) => {
      this.onDone = () => resolve(this.finals);
      if (this.doneCount === this.handles.length) resolve(this.finals);
    });
  }

  async terminate(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.terminate()));
  }

  private onMessage(m: FromQuickThread): void {
    switch (m.type) {
      case 'ready':
        if (++this.ready === this.handles.length) this.onReady?.();
        break;
      case 'init-error':
        this.onInitError?.(m.message);
        break;
      case 'warning':
        this.onWarning(m.message);
        break;
      case 'snapshot':
        this.inFlight += m.inFlight;
        this.pending.get(m.seq)?.(m.delta);
        break;
      case 'done':
        this.finals.push(m.delta);
        this.schedule.started += m.schedule.started;
        this.schedule.late += m.schedule.late;
        this.schedule.dropped += m.schedule.dropped;
        this.doneCount++;
        if (this.doneCount === this.handles.length) this.onDone?.();
        break;
    }
  }
}
