/** CLI-level errors: a stable code, a message that says what is wrong, a hint that says what to do. Exit 2. */
export class UsageError extends Error {
  readonly code: string;
  readonly hint?: string;
  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'UsageError';
    this.code = code;
    this.hint = hint;
  }
}
