/**
 * Storage integration: the same upload/download workload — a 2 MB video posted to a portrait, then downloaded
 * from `/files/:key` — on an instance that stores files on local disk and on one that stores them in S3, side by
 * side (the suite's storage recommendation compares `upload_mb_per_s`). Each backend's instance is the one named
 * with `--option storage-local=URL` / `storage-s3=URL` (two deployments, or two instances of one), else the target
 * when it uses that backend, else the embedded S3 twin. Videos are stored as sent, so the figures
 * are the storage path's, not image processing's.
 */
import { readFileSync } from 'node:fs';
import type { Requirement, SuiteTest } from 'stampede-load/suite';
import { healthSettings } from '../lib/api-session.ts';
import { SCENARIO_USERS_SCRIPT, STORAGE_VIDEO_BYTES, StorageUser } from '../scenario-users.ts';
import { transferFigures } from './figures.ts';
import type { ScenarioEnv } from './scenario-env.ts';

/** Name of the optional requirement the S3 test needs. */
export const S3_REQUIREMENT = 'S3 storage instance';

/** RSS of a process from /proc, bytes (null when gone or not Linux). */
function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The optional requirement: an S3-backed instance (the embedded one, or the target itself when it uses S3). */
export function s3Requirement(env: ScenarioEnv, whyMissing: string): Requirement {
  return {
    name: S3_REQUIREMENT,
    optional: true,
    check: async () => (env.storageTargets?.s3 || env.s3 || (await healthSettings(env.target)).storage === 's3' ? undefined : whyMissing),
  };
}

/** The storage test for one backend. */
export function storageTest(env: ScenarioEnv, backend: 'local' | 's3'): SuiteTest {
  const { plan } = env;
  return {
    name: `storage-${backend}`,
    category: 'storage',
    storage: backend,
    needs: backend === 's3' ? [S3_REQUIREMENT] : [],
    criteria: [{ metric: 'failure_rate', max: plan.errorBudget }, { metric: 'round_trips', min: 1 }],
    async workload(ctx) {
      const named = env.storageTargets?.[backend];
      if (named) {
        // A named instance must be what it is named for: comparing two local-disk instances as "local vs s3" misleads.
        const namedBackend = (await healthSettings(named)).storage;
        if (namedBackend !== undefined && namedBackend !== backend) throw new Error(`--option storage-${backend} names ${named}, which stores files in ${namedBackend}`);
      }
      const targetBackend = named ? undefined : (await healthSettings(ctx.targetUrl)).storage;
      const twin = backend === 's3' && env.s3 && targetBackend !== 's3' ? env.s3.url : undefined;
      const url = named ?? twin ?? (targetBackend === backend ? ctx.targetUrl : undefined);
      if (!url) return ctx.skip(`the target stores files in ${targetBackend ?? 'an unknown backend'}, and no ${backend} instance was named (--option storage-${backend}=URL) or started (the embedded run starts both)`);
      if (url !== ctx.targetUrl) ctx.finding({ kind: 'second_instance', text: `ran against ${url}${url === twin ? ' (S3 on a local s3rver; its RSS is s3_instance_rss_bytes)' : ''}; the monitor's target_* figures are the main target's` });
      ctx.metric('instance', url);
      const load = await ctx.runUsers({ host: url, userClasses: [StorageUser], script: SCENARIO_USERS_SCRIPT, threads: 1, users: plan.storageUsers, durationS: plan.storageS, stopTimeoutS: 30 });
      const up = transferFigures(load, 'POST', '/portraits/:id/videos', 'upload', STORAGE_VIDEO_BYTES);
      const down = transferFigures(load, 'GET', '/files/:key', 'download');
      ctx.metric('backend', backend);
      ctx.metric('round_trips', down.download_count!);
      for (const [k, v] of Object.entries({ ...up, ...down })) ctx.metric(k, v);
      if (url === twin) ctx.metric('s3_instance_rss_bytes', rssBytes(env.s3!.pid));
      ctx.logger.log('info', `storage ${backend}: ${down.download_count} round trips, upload ${up.upload_mb_per_s} MB/s, download ${down.download_mb_per_s} MB/s per transfer`);
    },
  };
}
