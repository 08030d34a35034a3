import { StampedeError } from '../errors.ts';

/** Errors of the suite framework: a stable `code` to branch on, a message, and a hint for what to do. */
/** OPTION: a suite refused one of its `--option KEY=VALUE` settings (a usage error). */
export type SuiteErrorCode = 'STAMPEDE_ERR_SUITE_TARGET' | 'STAMPEDE_ERR_SUITE_REQUIREMENT' | 'STAMPEDE_ERR_SUITE_DEFINITION' | 'STAMPEDE_ERR_SUITE_OPTION';

export class SuiteError extends StampedeError<SuiteErrorCode> {
  constructor(code: SuiteErrorCode, message: string, hint?: string) {
    // The suite prints only the message, so the hint travels in it.
    super(code, hint ? `${message} (${hint})` : message, hint);
  }
}

/** Thrown by `ctx.skip()` / `ctx.inconclusive()` to end a workload with that status. */
export class TestVerdict extends Error {
  override readonly name = 'TestVerdict';
  constructor(
    readonly status: 'skipped' | 'inconclusive',
    readonly reason: string,
  ) {
    super(reason);
  }
}
