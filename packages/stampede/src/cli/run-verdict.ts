/**
 * The verdict of a test's requests, once it ended on its own (issue #18; docs/exit-codes.md): one rule for the
 * headless run, the web UI, the master and `quick`. How the run ended (5 worker lost, 4 interrupted, 3 aborted) and
 * thresholds and checks (1) are decided by the callers, before this.
 */
import type { Aggregate } from '../stats/aggregate.ts';
import { EXIT } from './exit-codes.ts';

/** Locust's default `--exit-code-on-error`: a failed request fails the run. */
export const DEFAULT_EXIT_CODE_ON_ERROR = 1;

/** What a test recorded, for its verdict. */
export interface RequestTally {
  requests: number;
  failures: number;
  /** Exceptions raised by tasks or hooks (Locust counts them with the failures). */
  exceptions: number;
}

/** An exit code, and the one line on stderr that says why (none for a clean run). */
export interface Verdict {
  code: number;
  reason?: string;
}

/** The tally of an Aggregate. */
export function tallyOf(aggregate: Aggregate): RequestTally {
  const totals = aggregate.totals();
  const exceptions = aggregate.exceptions().reduce((n, x) => n + x.count, 0);
  return { requests: totals.requests, failures: totals.failures, exceptions };
}

/**
 * No request at all: 1 whatever `exitCodeOnError` says (a test that measured nothing must not pass). Failed
 * requests or exceptions: `exitCodeOnError` (0 ignores them, k6's habit). Otherwise 0.
 */
export function requestVerdict(tally: RequestTally, exitCodeOnError: number): Verdict {
  const { requests, failures, exceptions } = tally;
  const thrown = exceptions > 0 ? `${exceptions} exception${exceptions === 1 ? '' : 's'}` : '';
  if (requests === 0) {
    const why = thrown ? `${thrown} and nothing sent (see the Exceptions table)` : 'the users sent nothing';
    return { code: EXIT.failed, reason: `no request completed: ${why}` };
  }
  if (failures === 0 && exceptions === 0) return { code: EXIT.ok };
  const parts = [failures > 0 ? `${failures} of ${requests} requests failed` : '', thrown].filter(Boolean).join(', ');
  const consequence = exitCodeOnError === 0 ? 'ignored with --exit-code-on-error 0' : `exit ${exitCodeOnError}; --exit-code-on-error 0 ignores them`;
  return { code: exitCodeOnError, reason: `${parts} (${consequence})` };
}
