import { StampedeError } from '../errors.ts';

/** Errors of the report area: a stable `code`, a message saying what is wrong, a hint saying what to do. */
export type ReportErrorCode = 'STAMPEDE_ERR_REPORT_INVALID' | 'STAMPEDE_ERR_REPORT_READ';

export class ReportError extends StampedeError<ReportErrorCode> {}
