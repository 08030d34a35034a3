/**
 * The targets of the benchmark, each pinned to the target core: nginx when installed (a fixed 200 "hello world",
 * one worker, no access log — the reference target), else a minimal node:http hello server; the node
 * hello server itself (goal 4); the Vertex AR API and a FastAPI + uvicorn app (goal 6).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startTarget, which, type Target } from './proc.ts';

/** Core of the target(s); the generator gets GENERATOR_CPU. */
export const TARGET_CPU = 1;
export const GENERATOR_CPU = 0;

function nginxConfig(dir: string, port: number): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, t)};`).join('\n');
  return `worker_processes 1;
daemon off;
master_process off;
error_log ${join(dir, 'error.log')} warn;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
${temp}
  server {
    listen 127.0.0.1:${port};
    location / { default_type text/plain; return 200 "hello world"; }
  }
}
`;
}

/** nginx (if installed) serving "hello world", master-less, one worker on the target core. */
export async function startNginx(tmp: string): Promise<Target | undefined> {
  const nginx = which('nginx') ?? (which('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined);
  if (nginx === undefined) return undefined;
  const dir = join(tmp, 'nginx');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port));
  return startTarget('nginx', nginx, ['-c', join(dir, 'nginx.conf'), '-p', dir], `http://127.0.0.1:${port}/`, { cpu: TARGET_CPU });
}

/** The minimal node:http hello server (bench/scripts/hello-server.mjs). */
export async function startNodeHello(root: string): Promise<Target> {
  const port = await freePort();
  return startTarget('node:http hello', 'node', [join(root, 'bench/scripts/hello-server.mjs'), String(port)], `http://127.0.0.1:${port}/`, { cpu: TARGET_CPU });
}

/** The Vertex AR API, one process, its own temporary data directory. */
export async function startVertexAr(root: string, tmp: string): Promise<Target> {
  const port = await freePort();
  const dataDir = join(tmp, 'vertex-ar-data');
  mkdirSync(dataDir, { recursive: true });
  const args = [join(root, 'apps/vertex-ar/bin/vertex-ar.js'), 'serve', '--port', String(port), '--data-dir', dataDir, '--workers', '1'];
  return startTarget('vertex-ar', 'node', args, `http://127.0.0.1:${port}/health/live`, {
    cpu: TARGET_CPU,
    env: { JWT_SECRET: 'bench-secret-bench-secret-bench-secret', LOG_LEVEL: 'warn' },
    readyMs: 60_000,
  });
}

/** FastAPI on uvicorn, one worker, uvloop + httptools, no access log — or undefined when not installed. */
export async function startFastApi(root: string): Promise<Target | undefined> {
  const python = which('/usr/bin/python3') ? '/usr/bin/python3' : which('python3');
  if (python === undefined) return undefined;
  const port = await freePort();
  const args = ['-m', 'uvicorn', 'fastapi_app:app', '--port', String(port), '--workers', '1', '--loop', 'uvloop', '--http', 'httptools'];
  args.push('--no-access-log', '--log-level', 'warning');
  try {
    return await startTarget('fastapi+uvicorn', python, args, `http://127.0.0.1:${port}/health/live`, { cpu: TARGET_CPU, cwd: join(root, 'bench/scripts') });
  } catch {
    return undefined;
  }
}
