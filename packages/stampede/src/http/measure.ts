/**
 * Timing for custom clients (gRPC, a database driver, a WebSocket round trip): the same one-record-per-call rule
 * as the HTTP session, for code the session does not see.
 */
import type { Recorder } from '../stats/recorder.ts';

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/**
 * Run `fn`, record its latency (µs, from performance.now()) under `method` and `name`, and return its result.
 * A throw (or rejection) is recorded as a failure of kind `other` with the error's message, then rethrown.
 * Bytes are recorded as 0: a custom client's payload size is unknown here.
 */
export async function measure<T>(recorder: Recorder, method: string, name: string, fn: () => Promise<T>): Promise<T> {
  const startMs = performance.now();
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    const latencyUs = Math.round((performance.now() - startMs) * 1000);
    recorder.record(method, name, latencyUs, 0, { kind: 'other', message: messageOf(error) });
    throw error;
  }
  recorder.record(method, name, Math.round((performance.now() - startMs) * 1000), 0);
  return result;
}
