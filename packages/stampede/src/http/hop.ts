/**
 * One hop (one request and its response) as the session reads it, whichever transport carries it: the interface,
 * and the state both implementations (undici's Exchange, the lean path's LeanExchange) keep alike.
 */
import type { Dispatcher } from 'undici';
import type { HttpProtocol } from './dispatcher.ts';
import type { AbortableExchange, ExchangeOwner } from './exchange.ts';

/** One hop in flight or done, whichever transport carries it. */
export interface Hop extends AbortableExchange {
  /**
   * Send and resolve when done.
   * @param remainingMs time left of the request's total timeout (redirect hops share one deadline)
   * @param totalTimeoutMs the configured total timeout, quoted in the error message
   */
  start(options: Dispatcher.DispatchOptions, remainingMs: number, totalTimeoutMs: number): Promise<void>;
  /** performance.now() at the send and at the end (last body byte or failure), ms. */
  readonly startMs: number;
  readonly endMs: number;
  readonly status: number;
  /** The protocol that answered; undefined when no response head arrived. */
  readonly protocol: HttpProtocol | undefined;
  readonly rawHeaders: Buffer[] | null;
  readonly headerBytes: number;
  readonly bodyBytes: number;
  readonly location: string | undefined;
  readonly setCookies: string[] | null;
  /** Set when the hop failed; null on a complete response. */
  readonly error: Error | null;
  /** The received body. */
  body(): Buffer;
}

/** What every hop records, set as it goes; resolved exactly once (`done`). */
export abstract class HopState {
  readonly method: string;
  readonly maxBodyBytes: number;
  readonly owner: ExchangeOwner;
  /** performance.now() at the send and at the end (last body byte or failure), ms. */
  startMs = 0;
  endMs = 0;
  status = 0;
  rawHeaders: Buffer[] | null = null;
  /** Bytes of the response head. */
  headerBytes = 0;
  bodyBytes = 0;
  location: string | undefined = undefined;
  setCookies: string[] | null = null;
  /** Set when the hop failed; null on a complete response. */
  error: Error | null = null;
  done = false;

  constructor(owner: ExchangeOwner, method: string, maxBodyBytes: number) {
    this.owner = owner;
    this.method = method;
    this.maxBodyBytes = maxBodyBytes;
  }
}
