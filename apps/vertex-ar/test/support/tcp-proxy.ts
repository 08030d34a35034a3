/**
 * A TCP proxy on 127.0.0.1 (port picked by the OS) in front of a backend, for fault tests: `kill()` closes the
 * listener and destroys every socket on both sides at once (what a network cut or a crashed database host does
 * to the API's connections), `revive()` listens again on the same port.
 */
import net from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  /** The port clients connect to (the same after a revive). */
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Stops listening and destroys every open connection; connecting is then refused. */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  revive(): Promise<void>;
  /** Kills it for good (teardown). */
  close(): Promise<void>;
}

/** Starts a proxy to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const onConnection = (client: net.Socket) => {
    accepted++;
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      // Either side failing ends both; errors are the point of this fixture, not a test failure.
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const listen = (port: number) => new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer(onConnection);
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
  let server: net.Server | undefined = await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const kill = async () => {
    const closing = server;
    server = undefined;
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  return {
    port,
    accepted: () => accepted,
    kill,
    async revive() {
      if (!server) server = await listen(port);
    },
    close: kill,
  };
}
