import { StampedeError } from '../errors.ts';

/** Threshold errors: a stable `code`, a message that says what is wrong, a hint that says what to do. */
export class ThresholdError extends StampedeError<'STAMPEDE_ERR_CONFIG_THRESHOLD'> {
  constructor(message: string, hint?: string) {
    super('STAMPEDE_ERR_CONFIG_THRESHOLD', message, hint);
  }
}
