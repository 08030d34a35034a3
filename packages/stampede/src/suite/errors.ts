/** Errors of the suite framework: a stable `code` to branch on, a message, and a hint for what to do. */
/** OPTION: a suite refused one of its `--option KEY=VALUE` settings (a usage error). */
export type SuiteErrorCode = 'STAMPEDE_ERR_SUITE_TARGET' | 'STAMPEDE_ERR_SUITE_REQUIREMENT' | 'STAMPEDE_ERR_SUITE_DEFINITION' | 'STAMPEDE_ERR_SUITE_OPTION';

export class SuiteError extends Error {
  override readonly name = 'SuiteError';
  constructor(
    readonly code: SuiteErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message} (${hint})` : message);
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
