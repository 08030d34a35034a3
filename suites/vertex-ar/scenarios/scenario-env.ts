/** What every scenario of the Vertex AR suite is built from. */
import type { SuitePlan } from '../plan.ts';

/** Credentials of the API's bootstrap admin. */
export interface AdminCredentials {
  username: string;
  password: string;
}

/** The run's plan and targets. */
export interface ScenarioEnv {
  plan: SuitePlan;
  /** Base URL of the main target (no trailing slash). */
  target: string;
  /** Admin credentials, when known (embedded API, or ADMIN_USERNAME/ADMIN_PASSWORD with --target). */
  admin?: AdminCredentials;
  /** A second instance storing its files in S3 (the embedded run starts one on a local s3rver). */
  s3?: { url: string; pid: number };
  /** Instances named for the storage tests (`--option storage-local=URL`, `storage-s3=URL`); they win over the above. */
  storageTargets?: Partial<Record<'local' | 's3', string>>;
  /** A PostgreSQL server for the database test's direct phase (`--option postgres=URL`). */
  postgres?: string;
}
