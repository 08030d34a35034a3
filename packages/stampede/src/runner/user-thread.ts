/**
 * The main thread's handle on one user thread: a worker_threads Worker, or an in-process host
 * (tests, and runs of one user thread). Both speak the messages in messages.ts.
 */
import { Worker } from 'node:worker_threads';
import type { FromThread, ThreadInit, ToThread } from './messages.ts';
import { moduleUrl } from '../module-url.ts';

export interface UserThread {
  readonly threadId: number;
  post(message: ToThread): void;
  onMessage(listener: (message: FromThread) => void): void;
  /** Resolves when the thread has exited. */
  terminate(): Promise<void>;
  /**
   * Ends the thread at once, whatever it is doing: for a thread that did not answer the stop (a task that never
   * yields). Absent where the runner cannot end the thread itself (users on the caller's thread, the cluster).
   */
  kill?(): Promise<void>;
  /**
   * How long after the stop timeout the thread may take to send its final statistics before the runner gives up on
   * it (and kills it when it can); default THREAD_STOP_MARGIN_MS.
   */
  readonly stopMarginMs?: number;
}

// Worker threads do not inherit the tsx loader: from the sources, worker-boot.mjs registers it, then imports
// worker-main.ts; from the build (dist/), it imports worker-main.js with no loader.
const bootUrl = new URL('./worker-boot.mjs', import.meta.url);
const entryUrl = moduleUrl('./worker-main', import.meta.url);

/** A user thread on worker_threads, running worker-main.ts. */
export class WorkerUserThread implements UserThread {
  readonly threadId: number;
  readonly #worker: Worker;
  #exited: Promise<void>;

  constructor(init: ThreadInit) {
    this.threadId = init.threadId;
    this.#worker = new Worker(bootUrl, { workerData: { ...init, entryUrl } });
    // A crash is reported like a failed load: before 'ready' it fails waitReady, after it the runner logs it.
    this.#worker.on('error', (error) => {
      const message: FromThread = { type: 'init-error', threadId: this.threadId, message: `user thread ${this.threadId} failed: ${error.message}` };
      this.#worker.emit('message', message);
    });
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
  }

  post(message: ToThread): void {
    this.#worker.postMessage(message);
  }

  onMessage(listener: (message: FromThread) => void): void {
    this.#worker.on('message', listener);
  }

  async kill(): Promise<void> {
    await this.#worker.terminate();
    await this.#exited;
  }

  async terminate(): Promise<void> {
    this.#worker.postMessage({ type: 'close' } satisfies ToThread);
    const timer = setTimeout(() => void this.#worker.terminate(), 2000);
    await this.#exited;
    clearTimeout(timer);
  }
}
