/** A user thread that runs in the calling thread: tests on a fake clock, and runs of one user thread (cli/prepared-run.ts). */
import type { Clock } from '../clock.ts';
import type { LogLevel } from '../logger.ts';
import type { UserClass } from '../user/user.ts';
import type { FromThread, ThreadInit, ToThread } from './messages.ts';
import { UserHost } from './user-host.ts';
import type { UserThread } from './user-thread.ts';

export class InProcessUserThread implements UserThread {
  readonly threadId: number;
  readonly #host: UserHost;
  readonly #listeners: ((m: FromThread) => void)[] = [];

  constructor(init: ThreadInit, classes: readonly UserClass[], clock?: Clock) {
    this.threadId = init.threadId;
    // Deliver asynchronously, as postMessage would, so the runner never re-enters itself.
    const send = (m: FromThread) => queueMicrotask(() => this.#listeners.forEach((l) => l(m)));
    this.#host = new UserHost(init, new Map(classes.map((c) => [c.name, c])), send, clock);
    queueMicrotask(() => {
      this.#ready = true;
      this.#listeners.forEach((l) => l({ type: 'ready', threadId: this.threadId }));
    });
  }

  /** Whether 'ready' has been delivered: a listener added later still hears it (a worker would say it later, too). */
  #ready = false;

  post(message: ToThread): void {
    queueMicrotask(() => this.#host.handle(message));
  }

  onMessage(listener: (message: FromThread) => void): void {
    this.#listeners.push(listener);
    // Regression (issue #6): runUsers() created the thread, awaited something, then waited for 'ready' forever.
    if (this.#ready) queueMicrotask(() => listener({ type: 'ready', threadId: this.threadId }));
  }

  /** See UserHost.consoleLine: the caller (cli/) owns the process's console and captures it for the run. */
  consoleLine(level: LogLevel, message: string): void {
    this.#host.consoleLine(level, message);
  }

  /** See UserHost.recordUncaught: the caller (cli/) owns `process` and forwards what escaped to here. */
  recordUncaught(error: unknown): void {
    this.#host.recordUncaught(error);
  }

  async terminate(): Promise<void> {
    this.#host.handle({ type: 'close' });
  }
}
