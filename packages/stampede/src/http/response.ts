/**
 * The response user code sees, and the catchResponse protocol (Locust's `catch_response=True`).
 *
 * Recording rule: a response is recorded exactly once. Without catchResponse the session records it as soon as
 * the exchange ends. With catchResponse it is pending until the first of:
 *   - `success()` / `failure(reason)`: the verdict is committed at the end of the current synchronous turn
 *     (a microtask), so `res.failure('x'); res.success()` in one block counts a success — the last call before
 *     recording wins, as in Locust where the verdict is reported when the `with` block exits;
 *   - `session.flush()` (the runner calls it when the task ends) or the next request on the same session: the
 *     status decides (≥ 400 is a failure), or the verdict if one was given.
 * Calls after recording are ignored (logged at debug level): the sample already left for the statistics.
 * Transport failures (status 0) are recorded at once, even with catchResponse: there is no response to judge.
 */
import type { Recorder, RecordedError } from '../stats/recorder.ts';
import type { MetricTags } from '../stats/types.ts';
import type { Logger } from '../logger.ts';
import { PROTOCOL_FAMILY } from '../stats/counters.ts';
import type { HttpProtocol } from './dispatcher.ts';
import type { HttpResponse } from './types.ts';

/** The counter of requests a protocol answered (Recorder.count), one constant string per protocol. */
const PROTOCOL_COUNTER: Readonly<Record<HttpProtocol, string>> = {
  'http/1.1': `${PROTOCOL_FAMILY}http/1.1`,
  h2: `${PROTOCOL_FAMILY}h2`,
};

/** Record one hop, and under its endpoint which protocol answered it (nothing answered a transport failure). */
export function recordHop(
  recorder: Recorder,
  method: string,
  name: string,
  latencyUs: number,
  bytes: number,
  error: RecordedError | undefined,
  protocol: HttpProtocol | undefined,
  tags: MetricTags | undefined,
): void {
  recorder.record(method, name, latencyUs, bytes, error, undefined, tags);
  if (protocol !== undefined) recorder.count?.(method, name, PROTOCOL_COUNTER[protocol], 1);
}

const EMPTY_HEADERS: Record<string, string | string[] | undefined> = Object.freeze({}) as Record<string, never>;

/**
 * Raw `[name, value, …]` header buffers → an object with lower-case names, values as latin1 strings and repeated
 * headers (set-cookie) as arrays in arrival order — what undici's `util.parseHeaders` gives, without loading undici.
 */
export function parseRawHeaders(raw: readonly Buffer[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    const seen = Object.hasOwn(out, name) ? out[name] : undefined;
    if (seen === undefined) Object.defineProperty(out, name, { value, enumerable: true, configurable: true, writable: true });
    else if (typeof seen === 'string') out[name] = [seen, value];
    else seen.push(value);
  }
  return out;
}

/** Where a pending response reports itself; implemented by the session. */
export interface ResponseOwner {
  readonly recorder: Recorder;
  readonly logger: Logger | undefined;
  /** Called when a pending response records itself, so the session forgets it. */
  settled(response: SessionResponse): void;
}

const enum Verdict {
  None,
  Pending,
  Recorded,
}

function commitQueued(this: SessionResponse): void {
  this.commit();
}

function reasonText(reason: string | Error): string {
  return typeof reason === 'string' ? reason : reason.message || reason.name;
}

/** One response (the final hop of a request). Methods on the prototype: nothing allocated per request for them. */
export class SessionResponse implements HttpResponse {
  status: number;
  body: Buffer;
  url: string;
  latencyMs: number;
  ok: boolean;
  error?: RecordedError;
  protocol: HttpProtocol | undefined;
  /** Raw header buffers from undici; decoded into `headers` on first read only. */
  private rawHeaders: Buffer[] | null;
  private decodedHeaders: Record<string, string | string[] | undefined> | null = null;
  // What to record, kept for a deferred (catchResponse) recording.
  private readonly method: string;
  private readonly name: string;
  private readonly latencyUs: number;
  private readonly bytes: number;
  /** @internal The request's `tags` option, recorded with it. */
  tags: Record<string, string> | undefined;
  private owner: ResponseOwner | null = null;
  private verdict = Verdict.None;
  private commitScheduled = false;

  constructor(
    method: string,
    name: string,
    url: string,
    status: number,
    rawHeaders: Buffer[] | null,
    body: Buffer,
    latencyUs: number,
    bytes: number,
    error: RecordedError | undefined,
    protocol: HttpProtocol | undefined,
  ) {
    this.protocol = protocol;
    this.method = method;
    this.name = name;
    this.url = url;
    this.status = status;
    this.rawHeaders = rawHeaders;
    this.body = body;
    this.latencyUs = latencyUs;
    this.latencyMs = latencyUs / 1000;
    this.bytes = bytes;
    this.error = error;
    this.ok = error === undefined;
  }

  /** Response headers, lower-case names; repeated headers (set-cookie) as arrays. Decoded lazily. */
  get headers(): Record<string, string | string[] | undefined> {
    if (this.decodedHeaders === null) {
      this.decodedHeaders = this.rawHeaders === null ? EMPTY_HEADERS : parseRawHeaders(this.rawHeaders);
      this.rawHeaders = null;
    }
    return this.decodedHeaders;
  }

  text(): string {
    return this.body.toString('utf8');
  }

  json<T = any>(): T {
    return JSON.parse(this.body.toString('utf8')) as T;
  }

  /** Record now, judged by the current `error` (set from the status, or by success()/failure()). */
  record(recorder: Recorder): void {
    this.verdict = Verdict.Recorded;
    recordHop(recorder, this.method, this.name, this.latencyUs, this.bytes, this.error, this.protocol, this.tags);
  }

  /** @internal catchResponse: hold the recording until a verdict, flush() or the next request. */
  holdFor(owner: ResponseOwner): void {
    this.owner = owner;
    this.verdict = Verdict.Pending;
  }

  success(): void {
    if (!this.acceptsVerdict('success()')) return;
    this.error = undefined;
    this.ok = true;
    this.scheduleCommit();
  }

  failure(reason: string | Error): void {
    if (!this.acceptsVerdict('failure()')) return;
    this.error = { kind: 'catch_response', message: reasonText(reason) };
    this.ok = false;
    this.scheduleCommit();
  }

  /** @internal Record the pending result now (flush, next request, or the queued verdict). */
  commit(): void {
    if (this.verdict !== Verdict.Pending) return;
    const owner = this.owner!;
    this.record(owner.recorder);
    owner.settled(this);
  }

  private acceptsVerdict(call: string): boolean {
    if (this.verdict === Verdict.Pending) return true;
    const why = this.verdict === Verdict.Recorded ? 'already recorded' : 'catchResponse was not set';
    this.owner?.logger?.log('debug', `${call} ignored on ${this.method} ${this.name}: ${why}`);
    return false;
  }

  private scheduleCommit(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    queueMicrotask(commitQueued.bind(this));
  }
}
