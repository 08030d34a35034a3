/**
 * Goal 8: the protocols beyond HTTP/1.1. HTTP/2 requests/s of `stampede quick https://… -c 50 --threads 1` (one
 * connection, 50 streams) beside h2load's on the same target; WebSocket round trips/s through `client.ws()` beside a
 * bare loop on the same client library (undici's WebSocket, nothing recorded): the ceiling, so the ratio is what
 * the instrumentation costs. Runs alternate between the two sides, both informational (no goal yet).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selfSignedCertificate } from '../../packages/stampede/test/fixtures/tls-cert.ts';
import { ratioFigure, skippedFigure, type Figure } from './figures.ts';
import { stampedeQuick, type GenContext } from './generators.ts';
import type { BenchSettings } from './goals-throughput.ts';
import { freePort, run, startTarget, which } from './proc.ts';
import { TARGET_CPU } from './targets.ts';

const TARGETS = 'bench/scripts/protocol-targets.ts';
const WS_CONNECTIONS = 10;

async function h2load(ctx: GenContext, bin: string, url: string, seconds: number): Promise<number> {
  const r = await run(bin, ['-D', String(seconds), '-c', '1', '-m', '50', '-t', '1', url], { cpu: ctx.cpu, timeoutMs: (seconds + 30) * 1000 });
  const rps = /finished in [^,]+, ([\d.]+) req\/s/.exec(r.stdout)?.[1];
  if (r.code !== 0 || rps === undefined) throw new Error(`h2load exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`);
  return Number(rps);
}

async function roundTrips(ctx: GenContext, mode: 'client' | 'bare', url: string, seconds: number): Promise<number> {
  const r = await run('node', ['--import', 'tsx', 'bench/scripts/ws-roundtrips.ts', mode, url, String(WS_CONNECTIONS), String(seconds)], { cpu: ctx.cpu, cwd: ctx.root, timeoutMs: (seconds + 30) * 1000 });
  if (r.code !== 0) throw new Error(`ws-roundtrips ${mode} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  const { roundTrips: n, seconds: s } = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { roundTrips: number; seconds: number };
  return n / s;
}

async function http2Figure(ctx: GenContext, s: BenchSettings): Promise<Figure> {
  const name = 'goal 8: HTTP/2 requests/s, stampede quick -c 50 --threads 1 (one connection, 50 streams)';
  const certificate = selfSignedCertificate();
  if (certificate === undefined) return skippedFigure(name, 'req/s', 'informational (no goal)', 'openssl not installed: no certificate for the TLS target');
  const key = join(ctx.tmp, 'h2-key.pem');
  const cert = join(ctx.tmp, 'h2-cert.pem');
  writeFileSync(key, certificate.key);
  writeFileSync(cert, certificate.cert);
  const [port, health] = [await freePort(), await freePort()];
  const target = await startTarget('node:http2 hello', 'node', ['--import', 'tsx', TARGETS, 'h2', String(port), String(health), key, cert], `http://127.0.0.1:${health}/`, { cpu: TARGET_CPU, cwd: ctx.root });
  const url = `https://127.0.0.1:${port}/`;
  const bin = which('h2load');
  const ours: number[] = [];
  const peer: number[] = [];
  try {
    for (let i = 0; i < s.runs; i++) {
      const m = await stampedeQuick(ctx, url, { connections: 50, seconds: s.seconds, args: ['--insecure'] });
      if (m.failures > 0) throw new Error(`stampede quick over HTTP/2: ${m.failures} failures`);
      ours.push(m.rps);
      s.log(`  stampede quick h2 ${m.rps.toFixed(0)} req/s`);
      if (bin !== undefined) {
        peer.push(await h2load(ctx, bin, url, s.seconds));
        s.log(`  h2load ${peer.at(-1)!.toFixed(0)} req/s`);
      }
    }
  } finally {
    await target.stop();
  }
  return ratioFigure({
    name,
    unit: 'req/s',
    runs: ours,
    peer: 'h2load -c 1 -m 50',
    peerRuns: bin === undefined ? null : peer,
    atLeast: null,
    digits: 0,
    ...(bin === undefined ? { skipped: 'h2load not installed (apt-get install -y nghttp2-client): our figure alone' } : {}),
    note: 'node:http2 TLS hello server, self-signed certificate (--insecure)',
  });
}

async function webSocketFigure(ctx: GenContext, s: BenchSettings): Promise<Figure> {
  const port = await freePort();
  const target = await startTarget('WebSocket echo', 'node', ['--import', 'tsx', TARGETS, 'ws', String(port)], `http://127.0.0.1:${port}/`, { cpu: TARGET_CPU, cwd: ctx.root });
  const url = `ws://127.0.0.1:${port}`;
  const ours: number[] = [];
  const bare: number[] = [];
  try {
    for (let i = 0; i < s.runs; i++) {
      ours.push(await roundTrips(ctx, 'client', url, s.seconds));
      bare.push(await roundTrips(ctx, 'bare', url, s.seconds));
      s.log(`  client.ws() ${ours.at(-1)!.toFixed(0)} round trips/s, bare undici WebSocket ${bare.at(-1)!.toFixed(0)}`);
    }
  } finally {
    await target.stop();
  }
  return ratioFigure({
    name: `goal 8: WebSocket round trips/s, client.ws() request() over ${WS_CONNECTIONS} connections`,
    unit: 'round trips/s',
    runs: ours,
    peer: 'bare undici WebSocket loop (ceiling)',
    peerRuns: bare,
    atLeast: null,
    digits: 0,
    note: 'echo server: the Vertex AR API RFC 6455 server side; the ws package is not a dependency, so the ceiling is the client library the product uses',
  });
}

/** Goal 8's two rows. */
export async function goal8(ctx: GenContext, s: BenchSettings): Promise<Figure[]> {
  s.log('goal 8: HTTP/2 and WebSocket');
  const figures: Figure[] = [];
  for (const figure of [http2Figure, webSocketFigure]) {
    try {
      figures.push(await figure(ctx, s));
    } catch (error) {
      figures.push(skippedFigure(`goal 8: ${figure === http2Figure ? 'HTTP/2' : 'WebSocket'}`, '-', 'informational (no goal)', (error as Error).message));
    }
  }
  return figures;
}
