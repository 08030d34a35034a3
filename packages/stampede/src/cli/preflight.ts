/** Before any load: is the target reachable at all? An unreachable target aborts the run (exit 3). */
import net from 'node:net';

/** Resolves undefined when a TCP connection to the URL's host and port opens, else a one-line reason. */
export function checkReachable(url: URL, timeoutMs = 5000): Promise<string | undefined> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (reason?: string) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    socket.once('connect', () => done());
    socket.once('error', (e: NodeJS.ErrnoException) => done(`${e.code ?? 'error'} connecting to ${host}:${port}`));
  });
}
