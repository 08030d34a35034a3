/** What every route needs, built once by buildApp and passed in explicitly (no globals). */
import type { Cache } from './cache/cache.ts';
import type { Repositories } from './db/repositories.ts';
import type { Storage } from './storage/storage.ts';
import type { LoginLimiter } from './auth/login-limiter.ts';
import type { ViewCounter } from './ar/view-counter.ts';
import type { ArEntry } from './ar/ar-content.ts';
import type { PortraitGenerator } from './uploads/portrait-generator.ts';

/** Upload size limits in bytes. */
export interface UploadLimits {
  imageMaxBytes: number;
  videoMaxBytes: number;
}

/** Shared services of one app instance. */
export interface AppContext {
  repos: Repositories;
  storage: Storage;
  arCache: Cache<ArEntry>;
  views: ViewCounter;
  loginLimiter: LoginLimiter;
  limits: UploadLimits;
  generatePortraitAssets: PortraitGenerator;
  /** Lifetime of issued tokens, in seconds. */
  tokenTtlSeconds: number;
  /** Wall clock in ms (injectable for schedule tests). */
  now: () => number;
}
