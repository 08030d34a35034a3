/**
 * Before a suite starts: is the target healthy, and is every tool or service it declares present? Missing
 * required ones abort with one message listing each and what to do; optional ones skip the tests that need them.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { undici } from '../http/dispatcher.ts';
import { SuiteError } from './errors.ts';
import type { Requirement, SuiteDefinition } from './types.ts';

/** Resolves undefined when GET `url` answers 2xx within `timeoutMs`, else the reason. */
export async function checkHealth(url: string, timeoutMs = 5000): Promise<string | undefined> {
  try {
    const res = await undici().request(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body.dump();
    return res.statusCode >= 200 && res.statusCode < 300 ? undefined : `GET ${url} answered ${res.statusCode}`;
  } catch (error) {
    return `GET ${url} failed: ${(error as Error).message}`;
  }
}

/** A command on PATH (`which`-style: runs `cmd --version`, or the given args). */
export function commandRequirement(name: string, command: string, hint?: string, options: { args?: string[]; optional?: boolean } = {}): Requirement {
  return {
    name,
    hint,
    optional: options.optional,
    check: () =>
      new Promise((resolve) => {
        execFile(command, options.args ?? ['--version'], { timeout: 10_000 }, (error) => {
          const code = (error as NodeJS.ErrnoException | null)?.code;
          resolve(code === 'ENOENT' ? `${command} is not installed (not on PATH)` : error && typeof code !== 'number' ? `${command} failed: ${error.message}` : undefined);
        });
      }),
  };
}

/** A TCP service (Redis, PostgreSQL, S3 endpoint) at `url`'s host and port. */
export function tcpRequirement(name: string, url: string, hint?: string, options: { optional?: boolean } = {}): Requirement {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : u.protocol === 'redis:' ? 6379 : u.protocol === 'postgres:' ? 5432 : 80));
  return {
    name,
    hint,
    optional: options.optional,
    check: () =>
      new Promise((resolve) => {
        const socket = net.connect({ host: u.hostname, port });
        const done = (reason?: string) => {
          socket.destroy();
          resolve(reason);
        };
        socket.setTimeout(3000, () => done(`no answer from ${u.hostname}:${port}`));
        socket.once('connect', () => done());
        socket.once('error', (e: NodeJS.ErrnoException) => done(`${e.code ?? 'error'} connecting to ${u.hostname}:${port}`));
      }),
  };
}

/** An HTTP endpoint answering 2xx (a feature of the target, e.g. its /metrics). */
export function httpRequirement(name: string, url: string, hint?: string, options: { optional?: boolean } = {}): Requirement {
  return { name, hint, optional: options.optional, check: () => checkHealth(url) };
}

/** The outcome of the checks: optional requirements missing, by name → reason (with hint). */
export interface PreflightResult {
  missing: Map<string, string>;
}

/** Checks the target's health and every requirement; throws SuiteError when the target or a required one is missing. */
export async function preflight(suite: SuiteDefinition, targetUrl: string): Promise<PreflightResult> {
  const healthUrl = `${targetUrl}${suite.healthPath ?? '/health'}`;
  const unhealthy = await checkHealth(healthUrl);
  if (unhealthy) throw new SuiteError('STAMPEDE_ERR_SUITE_TARGET', `target not healthy: ${unhealthy}`, `start the target or pass --target URL`);
  const results = await Promise.all((suite.requirements ?? []).map(async (r) => ({ r, reason: await r.check() })));
  const fatal: string[] = [];
  const missing = new Map<string, string>();
  for (const { r, reason } of results) {
    if (reason === undefined) continue;
    const line = `${r.name}: ${reason}${r.hint ? ` — ${r.hint}` : ''}`;
    if (r.optional) missing.set(r.name, line);
    else fatal.push(line);
  }
  if (fatal.length > 0) {
    throw new SuiteError('STAMPEDE_ERR_SUITE_REQUIREMENT', `missing for suite ${suite.name}: ${fatal.join('; ')}`, 'install or start what is listed, then run again');
  }
  return { missing };
}
