/**
 * A private `redis-server` for fault tests: spawned on a free loopback port with persistence off, so that
 * `kill()` (SIGKILL) loses everything, as a crashed cache does, and `restart()` brings an empty one back on the
 * same port; `pause()` (SIGSTOP) makes a server that holds connections and never answers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

const installed = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** Whether the Redis variants run; under CI=true they always do (and fail without redis-server). */
export const REDIS_SERVER: { skipReason: string | false } = {
  skipReason: !installed && process.env.CI !== 'true' ? 'redis-server is not installed (apt-get install redis-server)' : false,
};

/** A running private Redis. */
export interface PrivateRedis {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** SIGKILL, resolved once it has exited (connections to it are refused from then on). */
  kill(): Promise<void>;
  /** Starts an empty one on the same port, resolved once it accepts connections. */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open and commands are accepted, but nothing is answered (a hung server). */
  pause(): void;
  /** SIGCONT after {@link pause}. */
  resume(): void;
  /** Teardown. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Spawns `redis-server` on a free port and waits (at most 10 s) until it accepts connections. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const launch = async () => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    child = proc;
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    for (let i = 0; i < 200; i++) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode} on port ${port}`);
      if (await accepts(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not accept connections on port ${port} within 10 s`);
  };
  const kill = async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    port, url: `redis://127.0.0.1:${port}`, kill, restart: launch, stop: kill,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
  };
}
