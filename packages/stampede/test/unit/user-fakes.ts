/** Test doubles for the user model: a Recorder that keeps everything, a Logger that keeps lines, an HttpSession stub. */
import type { HttpResponse, HttpSession, WebSocketConnection } from '../../src/http/types.ts';
import type { Logger, LogLevel } from '../../src/logger.ts';
import type { Recorder, RecordedError } from '../../src/stats/recorder.ts';

export interface RecordedRequest {
  method: string;
  name: string;
  latencyUs: number;
  error?: RecordedError;
}

export class FakeRecorder implements Recorder {
  requests: RecordedRequest[] = [];
  exceptions: unknown[] = [];
  checks: Array<{ name: string; passed: boolean }> = [];
  record(method: string, name: string, latencyUs: number, _bytes: number, error?: RecordedError): void {
    this.requests.push({ method, name, latencyUs, error });
  }
  recordException(error: unknown): void {
    this.exceptions.push(error);
  }
  recordCheck(name: string, passed: boolean): void {
    this.checks.push({ name, passed });
  }
}

export class FakeLogger implements Logger {
  lines: Array<{ level: LogLevel; message: string; source?: string }> = [];
  log(level: LogLevel, message: string, source?: string): void {
    this.lines.push({ level, message, source });
  }
}

/** An HttpSession that answers 200 to everything and counts flushes. */
export class FakeSession implements HttpSession {
  readonly defaultHeaders: Record<string, string> = {};
  readonly cookies = new Map<string, string>();
  flushes = 0;
  paths: string[] = [];
  async request(method: string, path: string): Promise<HttpResponse> {
    this.paths.push(`${method} ${path}`);
    const body = new Uint8Array();
    return {
      status: 200, headers: {}, body, url: path, latencyMs: 0, ok: true,
      text: () => '', json: () => ({}) as any, success() {}, failure() {},
    };
  }
  get(path: string) { return this.request('GET', path); }
  post(path: string) { return this.request('POST', path); }
  put(path: string) { return this.request('PUT', path); }
  patch(path: string) { return this.request('PATCH', path); }
  delete(path: string) { return this.request('DELETE', path); }
  head(path: string) { return this.request('HEAD', path); }
  ws(): Promise<WebSocketConnection> {
    return Promise.reject(new Error('FakeSession has no WebSocket'));
  }
  flush(): void {
    this.flushes++;
  }
  abortAll(): void {}
}
