/** Errors of the stats area: a stable `code` to branch on, a message saying what is wrong, a hint saying what to do. */
export type StatsErrorCode = 'STAMPEDE_ERR_STATS_HISTOGRAM' | 'STAMPEDE_ERR_STATS_OPTIONS';

/** Raised when a delta cannot be merged or options are invalid. Never raised on the recording hot path. */
export class StatsError extends Error {
  readonly code: StatsErrorCode;
  readonly hint: string;

  constructor(code: StatsErrorCode, message: string, hint: string) {
    super(message);
    this.name = 'StatsError';
    this.code = code;
    this.hint = hint;
  }
}
