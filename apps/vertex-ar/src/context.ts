/** What every route needs, built once by buildApp and passed in explicitly (no globals). */
import type { CacheManager } from './cache/cache-manager.ts';
import type { Repositories } from './db/repositories.ts';
import type { Storage } from './storage/storage.ts';
import type { LoginLimit } from './auth/login-limiter.ts';
import type { ViewCounter } from './ar/view-counter.ts';
import type { AppMetrics } from './metrics/metrics.ts';
import type { PortraitGenerator } from './uploads/portrait-generator.ts';

/** Upload size limits in bytes. */
export interface UploadLimits {
  imageMaxBytes: number;
  videoMaxBytes: number;
}

/** Effective settings shown on `/health` (snake_case, units in names). */
export type SettingsView = Record<string, string | number | null>;

/** Shared services of one app instance. */
export interface AppContext {
  /** Repositories with the cache in front (see `db/cached-repositories.ts`). */
  repos: Repositories;
  storage: Storage;
  cache: CacheManager;
  metrics: AppMetrics;
  views: ViewCounter;
  /** Failed-login limiting: this process's, or the cluster primary's for every worker. */
  loginLimiter: LoginLimit;
  limits: UploadLimits;
  generatePortraitAssets: PortraitGenerator;
  /** Lifetime of issued tokens, in seconds. */
  tokenTtlSeconds: number;
  /** Wall clock in ms (injectable for schedule tests). */
  now: () => number;
  /** Effective settings, for `/health`. */
  settings: SettingsView;
  /** Which process answers: cluster worker id (0 outside a cluster) and pid. */
  worker: { id: number; pid: number };
}
