/**
 * How a session's hops travel: the one interface the session sees, with two implementations — undici for any
 * origin, and the lean path (src/http/lean) for plain-http origins with undici for the rest. A hop is opened, then
 * started; it resolves once (never rejects: a failure lands in `error`) and exposes what the session records.
 */
import type { Dispatcher } from 'undici';
import { Exchange, type ExchangeOwner } from './exchange.ts';
import type { Hop } from './hop.ts';
import { LeanAgent } from './lean/lean-agent.ts';
import { LeanExchange } from './lean/lean-exchange.ts';

export type { Hop } from './hop.ts';

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
