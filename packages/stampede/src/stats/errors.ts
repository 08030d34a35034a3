import { StampedeError } from '../errors.ts';

/** Errors of the stats area: a stable `code` to branch on, a message saying what is wrong, a hint saying what to do. */
export type StatsErrorCode = 'STAMPEDE_ERR_STATS_HISTOGRAM' | 'STAMPEDE_ERR_STATS_OPTIONS';

/** Raised when a delta cannot be merged or options are invalid. Never raised on the recording hot path. */
export class StatsError extends StampedeError<StatsErrorCode> {}
