/**
 * Runs of one user thread run their users on the main thread (issue #11, goal 3: no second isolate). A worker
 * thread dies alone when user code throws out of a callback or leaves a promise rejected with nobody awaiting it;
 * on the main thread Node's default would end the whole process with a stack trace and no report. While such a run
 * lives, these errors go to its thread instead: counted as exceptions of the run and logged, as a task's are. Its
 * console output goes to the run's log (terminal and web UI), as a worker thread's does (runner/console-capture.ts):
 * the CLI itself never prints through `console`.
 */
import { captureConsole } from './console-capture.ts';
import { InProcessUserThread } from './in-process-thread.ts';
import type { ThreadInit } from './messages.ts';
import type { UserThread } from './user-thread.ts';
import type { UserClass } from '../user/user.ts';

let current: InProcessUserThread | undefined;

function forward(error: unknown): void {
  current?.recordUncaught(error);
}

/** Sends uncaught errors to `thread` until the returned function is called; then Node's default applies again. */
function guardInProcessRun(thread: InProcessUserThread): () => void {
  if (current === undefined) {
    process.on('uncaughtException', forward);
    process.on('unhandledRejection', forward);
  }
  current = thread;
  const restoreConsole = captureConsole(console, (level, message) => thread.consoleLine(level, message));
  return () => {
    restoreConsole();
    if (current !== thread) return;
    current = undefined;
    process.off('uncaughtException', forward);
    process.off('unhandledRejection', forward);
  };
}

/** A user thread on the main thread, guarded from its first moment until it is terminated. */
export function guardedInProcessThread(init: ThreadInit, classes: readonly UserClass[]): UserThread {
  const thread = new InProcessUserThread(init, classes);
  const release = guardInProcessRun(thread);
  return {
    threadId: thread.threadId,
    post: (message) => thread.post(message),
    onMessage: (listener) => thread.onMessage(listener),
    async terminate() {
      await thread.terminate();
      release();
    },
  };
}
