import { StampedeError } from '../errors.ts';

/** Workload configuration errors: a stable `code`, a message that says what is wrong, a hint that says what to do. */
export type WorkloadErrorCode =
  | 'STAMPEDE_ERR_CONFIG_DURATION'
  | 'STAMPEDE_ERR_CONFIG_STAGES'
  | 'STAMPEDE_ERR_CONFIG_SCENARIO'
  | 'STAMPEDE_ERR_CONFIG_SHAPE';

export class WorkloadError extends StampedeError<WorkloadErrorCode> {}
