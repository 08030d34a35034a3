/** Polling with a generous deadline, for tests that wait on real processes (never a timing threshold). */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CliServer } from './cli-server.ts';

/**
 * Calls `fn` every 50 ms until it gives a value other than undefined; fails at the deadline (default 30 s), or at once
 * when the API process has exited, with the API's stderr in the message.
 */
export async function waitUntil<T>(api: CliServer, what: string, fn: () => Promise<T | undefined>, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (let i = 0; Date.now() < end && i < 10_000; i++) {
    if (api.child.exitCode !== null || api.child.signalCode !== null) {
      throw new Error(`the API exited (${api.child.exitCode ?? api.child.signalCode}) while waiting for ${what}: ${api.stderr().slice(0, 800)}`);
    }
    const value = await fn();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}; API stderr: ${api.stderr().slice(0, 800)}`);
}

/** The value of one sample in a Prometheus text exposition (`name` with its labels, e.g. `x_total{kind="a"}`); 0 if absent. */
export function metricValue(metrics: string, sample: string): number {
  const escaped = sample.replace(/[{}"\\]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(metrics);
  return m ? Number(m[1]) : 0;
}
