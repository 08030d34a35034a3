/** Threshold errors: a stable `code`, a message that says what is wrong, a hint that says what to do. */
export class ThresholdError extends Error {
  readonly code = 'STAMPEDE_ERR_CONFIG_THRESHOLD';
  readonly hint?: string;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'ThresholdError';
    this.hint = hint;
  }
}
