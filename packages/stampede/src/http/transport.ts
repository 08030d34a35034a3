/**
 * How a session's hops travel: the one interface the session sees, with two implementations — undici for any
 * origin, and the lean path (src/http/lean) for plain-http origins with undici for the rest. A hop is opened, then
 * started; it resolves once (never rejects: a failure lands in `error`) and exposes what the session records.
 */
import type { Dispatcher } from 'undici';
import type { HttpProtocol } from './dispatcher.ts';
import { Exchange, type AbortableExchange, type ExchangeOwner } from './exchange.ts';
import { LeanAgent } from './lean/lean-agent.ts';
import { LeanExchange } from './lean/lean-exchange.ts';

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

/** Carries a session's hops. */
export interface Transport {
  open(owner: ExchangeOwner, method: string, maxBodyBytes: number, origin: string): Hop;
  /** The undici dispatcher behind this transport: WebSockets (undici's client) open their connections on it. */
  undici(): Dispatcher;
  /** Aborts what is in flight (recorded as interrupted) and closes every connection. */
  destroy(): Promise<void>;
}

class UndiciTransport implements Transport {
  constructor(private readonly dispatcher: Dispatcher) {}
  open(owner: ExchangeOwner, method: string, maxBodyBytes: number): Hop {
    return new Exchange(owner, method, maxBodyBytes, this.dispatcher);
  }
  undici(): Dispatcher {
    return this.dispatcher;
  }
  destroy(): Promise<void> {
    return this.dispatcher.destroy();
  }
}

class LeanTransport implements Transport {
  constructor(private readonly agent: LeanAgent) {}
  open(owner: ExchangeOwner, method: string, maxBodyBytes: number, origin: string): Hop {
    if (origin.startsWith('http:')) return new LeanExchange(owner, method, maxBodyBytes, this.agent);
    return new Exchange(owner, method, maxBodyBytes, this.agent.fallback());
  }
  undici(): Dispatcher {
    return this.agent.fallback();
  }
  destroy(): Promise<void> {
    return this.agent.destroy();
  }
}

/** The transport of a dispatcher: a LeanAgent (createLeanDispatcher) means the lean path, anything else undici. */
export function transportOf(dispatcher: Dispatcher | LeanAgent): Transport {
  return dispatcher instanceof LeanAgent ? new LeanTransport(dispatcher) : new UndiciTransport(dispatcher);
}
