/**
 * A circuit breaker for an optional dependency (the Redis cache, issue 19). Closed: calls go through and
 * consecutive failures are counted; at the threshold it opens. Open: no call goes through for the cooldown;
 * after it, one probe may run (half-open) while requests still stay off; the probe's success closes it, its
 * failure opens it for another cooldown. The clock is passed in, so the states are tested on a fake one.
 */

/** Where the breaker is. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit; default 5. */
  failureThreshold?: number;
  /** How long it stays open before a probe, in ms; default 5000. */
  cooldownMs?: number;
  /** Clock in ms; default Date.now. */
  now?: () => number;
  /** Called on every change of state (for metrics and the log). */
  onChange?: (state: CircuitState, reason: string) => void;
}

/** Default consecutive failures before opening. */
export const DEFAULT_FAILURE_THRESHOLD = 5;
/** Default cooldown in ms. */
export const DEFAULT_COOLDOWN_MS = 5000;

/** The breaker's state machine (no timers: time moves only when it is asked). */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  readonly #onChange: CircuitBreakerOptions['onChange'];
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = Math.max(1, options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD);
    this.#cooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onChange;
  }

  get state(): CircuitState {
    return this.#state;
  }

  /** Whether a request may use the dependency now (only while closed). */
  allows(): boolean {
    return this.#state === 'closed';
  }

  /** A call succeeded: the failure streak ends. */
  succeeded(): void {
    this.#failures = 0;
  }

  /** A call failed; the threshold-th consecutive failure opens the circuit. */
  failed(reason: string): void {
    if (this.#state !== 'closed') return;
    if (++this.#failures >= this.#threshold) this.open(`${this.#failures} consecutive failures, the last: ${reason}`);
  }

  /** Opens at once, whatever the streak (a failure that must not be followed by more use, e.g. a lost invalidation). */
  open(reason: string): void {
    this.#openedAt = this.#now();
    this.#failures = 0;
    if (this.#state === 'open') return;
    this.#state = 'open';
    this.#onChange?.('open', reason);
  }

  /** True once per cooldown: the circuit is open, the cooldown is over, and the caller may now probe (half-open). */
  probeDue(): boolean {
    if (this.#state !== 'open' || this.#now() - this.#openedAt < this.#cooldownMs) return false;
    this.#state = 'half-open';
    this.#onChange?.('half-open', 'cooldown over');
    return true;
  }

  /** The probe's outcome: closes the circuit, or opens it for another cooldown. */
  probed(ok: boolean, reason = ''): void {
    if (this.#state !== 'half-open') return;
    if (!ok) {
      this.#state = 'open';
      this.#openedAt = this.#now();
      this.#onChange?.('open', `probe failed: ${reason}`);
      return;
    }
    this.#state = 'closed';
    this.#failures = 0;
    this.#onChange?.('closed', 'probe succeeded');
  }
}
