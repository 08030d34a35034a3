/** Entry of a user thread (worker_threads): load the script bundle, then run users as the main thread says. */
import { parentPort, workerData } from 'node:worker_threads';
import { importBundle } from '../user/load-script.ts';
import { createTagFilter } from '../user/task-plan.ts';
import { captureConsole } from './console-capture.ts';
import { threadLogger, type FromThread, type ThreadInit, type ToThread } from './messages.ts';
import { UserHost } from './user-host.ts';

// Stack traces of user code in the user's files and lines (the bundle's inline source map), as in the main thread.
process.setSourceMapsEnabled(true);
const init = workerData as ThreadInit;
const port = parentPort!;
const send = (m: FromThread) => port.postMessage(m);
// From before the script is imported, so what it prints at import time is captured too; for the thread's life.
const logger = threadLogger(init.logLevel, send, Date.now);
captureConsole(console, (level, message) => logger.log(level, message, 'console'));

try {
  const { classes } = await importBundle(init.bundlePath!, { tagFilter: createTagFilter(init.tags, init.excludeTags) });
  const host = new UserHost(init, new Map(classes.map((c) => [c.name, c])), send);
  port.on('message', (m: ToThread) => {
    if (m.type === 'close') {
      host.handle(m);
      port.close();
      return;
    }
    host.handle(m);
  });
  send({ type: 'ready', threadId: init.threadId });
} catch (error) {
  send({ type: 'init-error', threadId: init.threadId, message: error instanceof Error ? error.message : String(error) });
}
