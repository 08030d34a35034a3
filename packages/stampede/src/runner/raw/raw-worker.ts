/** Entry of a `stampede quick` worker thread (booted through runner/worker-boot.mjs, which registers tsx). */
import { parentPort, workerData } from 'node:worker_threads';
import { QuickThreadHost, type FromQuickThread, type QuickThreadInit, type ToQuickThread } from './raw-thread.ts';

const port = parentPort!;
const init = workerData as QuickThreadInit;
const send = (m: FromQuickThread) => port.postMessage(m);
try {
  const host = new QuickThreadHost(init, send);
  port.on('message', (m: ToQuickThread) => host.handle(m));
  void host.prepare().then(() => send({ type: 'ready', threadId: init.threadId }));
} catch (error) {
  send({ type: 'init-error', threadId: init.threadId, message: error instanceof Error ? error.message : String(error) });
}
