/** Errors of the web UI: a stable code, an HTTP status for API answers, and a hint for the command line. */
export class WebError extends Error {
  readonly code: string;
  /** HTTP status when the error answers an API call. */
  readonly status: number;
  readonly hint?: string;
  constructor(code: string, message: string, status = 400, hint?: string) {
    super(message);
    this.name = 'WebError';
    this.code = code;
    this.status = status;
    this.hint = hint;
  }
}
