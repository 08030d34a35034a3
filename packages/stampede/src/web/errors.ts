import { StampedeError } from '../errors.ts';

/** Errors of the web UI: a stable code, an HTTP status for API answers, and a hint for the command line. */
export class WebError extends StampedeError {
  /** HTTP status when the error answers an API call. */
  readonly status: number;
  constructor(code: string, message: string, status = 400, hint?: string) {
    super(code, message, hint);
    this.status = status;
  }
}
