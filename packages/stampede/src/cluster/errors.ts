import { StampedeError } from '../errors.ts';

/** Distributed-mode errors: a stable `code` that callers branch on, a message that says what is wrong, a hint. */
export type ClusterErrorCode =
  | 'STAMPEDE_ERR_REDIS_URL'
  | 'STAMPEDE_ERR_REDIS_AUTH'
  | 'STAMPEDE_ERR_REDIS_CONNECT'
  | 'STAMPEDE_ERR_CLUSTER_BUSY'
  | 'STAMPEDE_ERR_CLUSTER_TIMEOUT'
  | 'STAMPEDE_ERR_CLUSTER_BUNDLE'
  | 'STAMPEDE_ERR_CLUSTER_WORKER';

/** Every ClusterError is a configuration or environment problem: the CLI exits 2 with one line. */
export class ClusterError extends StampedeError<ClusterErrorCode> {}
