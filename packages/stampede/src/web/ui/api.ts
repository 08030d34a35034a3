/** Calls to the server: JSON POSTs carrying the page's token, and the live stream. */
import type { ErrorBody, LogLine, ProblemsFrame, SnapshotFrame, StatusResponse, TickFrame } from '../api-types.ts';

/** The per-process token the server put in the page (no inline script: a meta tag). */
function token(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="stampede-token"]')?.content ?? '';
}

/** POSTs a JSON body to an action; resolves the new status or rejects with the server's one-line message. */
export async function post(path: string, body: unknown = {}): Promise<StatusResponse> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-stampede-token': token() },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = (await res.json().catch(() => null)) as StatusResponse | ErrorBody | null;
  if (!res.ok) throw new Error((data as ErrorBody | null)?.error?.message ?? `HTTP ${res.status}`);
  return data as StatusResponse;
}

/** Handlers of the stream's events. */
export interface StreamHandlers {
  snapshot(frame: SnapshotFrame): void;
  tick(frame: TickFrame): void;
  problems(frame: ProblemsFrame): void;
  logs(lines: LogLine[]): void;
  connection(open: boolean): void;
}

/** Opens the live stream; EventSource reconnects by itself and the server answers each connection with a snapshot. */
export function openStream(handlers: StreamHandlers): EventSource {
  const source = new EventSource('/api/stream');
  const on = <T>(event: string, fn: (data: T) => void) =>
    source.addEventListener(event, (e) => fn(JSON.parse((e as MessageEvent<string>).data) as T));
  on<SnapshotFrame>('snapshot', handlers.snapshot);
  on<TickFrame>('tick', handlers.tick);
  on<ProblemsFrame>('problems', handlers.problems);
  on<LogLine[]>('logs', handlers.logs);
  source.addEventListener('open', () => handlers.connection(true));
  source.addEventListener('error', () => handlers.connection(false));
  return source;
}
