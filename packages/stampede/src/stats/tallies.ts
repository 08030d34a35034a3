/**
 * Bounded counters for errors, exceptions and checks, shared by StatsSet (per thread) and Aggregate (per run).
 * Each has a cap on distinct keys; beyond it, counts go to one overflow row (kept exact) and one warning is given.
 */
import type { ErrorKind } from './recorder.ts';
import type { CheckDelta, ErrorDelta, ExceptionDelta } from './types.ts';

/** Name (and method) of the overflow row that collects samples beyond a cap on distinct names. */
export const OVERFLOW_NAME = '(other)';
/** Method of the overflow row. */
export const OVERFLOW_METHOD = '*';
const OVERFLOW_ERROR = '(too many distinct errors)';
const OVERFLOW_EXCEPTION = '(too many distinct exceptions)';
const MAX_MESSAGE_CHARS = 1_000;
const MAX_STACK_CHARS = 8_000;

/** Receives one-line warnings (caps reached). */
export type WarningSink = (message: string) => void;

/** Caps of the tallies (distinct keys). */
export interface TallyLimits {
  /** Distinct (method, name, kind, error) rows. Default 1,000. */
  maxErrors?: number;
  /** Distinct (message, stack) rows. Default 500. */
  maxExceptions?: number;
  /** Distinct check names. Default 2,000. */
  maxChecks?: number;
}

/** Errors by (method, name, kind, message), with counts. */
export class ErrorTally {
  private readonly rows = new Map<string, ErrorDelta>();
  private warned = false;

  constructor(
    private readonly max: number,
    private readonly warn: WarningSink,
  ) {}

  add(method: string, name: string, kind: ErrorKind, message: string, count: number): void {
    const error = message.length > MAX_MESSAGE_CHARS ? message.slice(0, MAX_MESSAGE_CHARS) : message;
    const key = `${method}\u0000${name}\u0000${kind}\u0000${error}`;
    const row = this.rows.get(key);
    if (row !== undefined) {
      row.count += count;
      return;
    }
    if (this.rows.size >= this.max && error !== OVERFLOW_ERROR) {
      if (!this.warned) {
        this.warned = true;
        this.warn(`more than ${this.max} distinct errors: further ones are counted as "${OVERFLOW_ERROR}"`);
      }
      // The kind is kept, so per-kind counts (e.g. interrupted) stay exact.
      this.add(OVERFLOW_METHOD, OVERFLOW_NAME, kind, OVERFLOW_ERROR, count);
      return;
    }
    this.rows.set(key, { method, name, kind, error, count });
  }

  /** Rows, most frequent first (copies). */
  list(): ErrorDelta[] {
    return [...this.rows.values()].map((r) => ({ ...r })).sort((a, b) => b.count - a.count);
  }

  clear(): void {
    this.rows.clear();
  }
}

/** Turn anything thrown into a bounded (message, stack) pair. */
export function describeException(error: unknown): { message: string; stack: string } {
  let message: string;
  let stack = '';
  if (error instanceof Error) {
    message = `${error.name}: ${error.message}`;
    stack = typeof error.stack === 'string' ? error.stack : '';
  } else {
    try {
      message = String(error);
    } catch {
      message = Object.prototype.toString.call(error);
    }
  }
  return { message: message.slice(0, MAX_MESSAGE_CHARS), stack: stack.slice(0, MAX_STACK_CHARS) };
}

/** Exceptions deduplicated by message + stack, with counts. */
export class ExceptionTally {
  private readonly rows = new Map<string, ExceptionDelta>();
  private warned = false;

  constructor(
    private readonly max: number,
    private readonly warn: WarningSink,
  ) {}

  add(message: string, stack: string, count: number): void {
    const key = `${message}\u0000${stack}`;
    const row = this.rows.get(key);
    if (row !== undefined) {
      row.count += count;
      return;
    }
    if (this.rows.size >= this.max && message !== OVERFLOW_EXCEPTION) {
      if (!this.warned) {
        this.warned = true;
        this.warn(`more than ${this.max} distinct exceptions: further ones are counted as "${OVERFLOW_EXCEPTION}"`);
      }
      this.add(OVERFLOW_EXCEPTION, '', count);
      return;
    }
    this.rows.set(key, { message, stack, count });
  }

  /** Rows, most frequent first (copies). */
  list(): ExceptionDelta[] {
    return [...this.rows.values()].map((r) => ({ ...r })).sort((a, b) => b.count - a.count);
  }

  clear(): void {
    this.rows.clear();
  }
}

/** Checks by name: passes and fails. */
export class CheckTally {
  private readonly rows = new Map<string, CheckDelta>();
  private warned = false;

  constructor(
    private readonly max: number,
    private readonly warn: WarningSink,
  ) {}

  add(name: string, passes: number, fails: number): void {
    let row = this.rows.get(name);
    if (row === undefined) {
      if (this.rows.size >= this.max && name !== OVERFLOW_NAME) {
        if (!this.warned) {
          this.warned = true;
          this.warn(`more than ${this.max} distinct check names: further ones are counted as "${OVERFLOW_NAME}"`);
        }
        this.add(OVERFLOW_NAME, passes, fails);
        return;
      }
      row = { name, passes: 0, fails: 0 };
      this.rows.set(name, row);
    }
    row.passes += passes;
    row.fails += fails;
  }

  /** Rows in first-seen order (copies). */
  list(): CheckDelta[] {
    return [...this.rows.values()].map((r) => ({ ...r }));
  }

  clear(): void {
    this.rows.clear();
  }
}
