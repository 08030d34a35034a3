import { StampedeError } from '../errors.ts';

/** Runner errors: a stable `code` that callers branch on, a message that says what is wrong. */
export type RunnerErrorCode = 'STAMPEDE_ERR_SCRIPT' | 'STAMPEDE_ERR_STATE' | 'STAMPEDE_ERR_THREAD';

export class RunnerError extends StampedeError<RunnerErrorCode> {}
