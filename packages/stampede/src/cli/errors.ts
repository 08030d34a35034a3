import { StampedeError } from '../errors.ts';

/** CLI-level errors: a stable code, a message that says what is wrong, a hint that says what to do. Exit 2. */
export class UsageError extends StampedeError {}
