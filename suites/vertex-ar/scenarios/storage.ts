/**
 * Storage integration: the same upload/download workload — a 2 MB video posted to a portrait, then downloaded
 * from `/files/:key` — on an instance that stores files on local disk and on one that stores them in S3, side by
 * side (the suite's storage recommendation compares `upload_mb_per_s`). Videos are stored as sent, so the figures
 * are the storage path's, not image processing's.
 */
import { readFileSync } from 'node:fs';
import { HttpUser, between, task, type Requirement, type SuiteTest, type UserClass } from 'stampede';
import { fakeMp4 } from '../lib/large-media.ts';
import { healthSettings, seedPortraits, signUpWithClient } from '../lib/api-session.ts';
import { TransferTally } from './figures.ts';
import type { ScenarioEnv } from './scenario-env.ts';

const VIDEO_BYTES = 2e6;
/** Name of the optional requirement the S3 test needs. */
export const S3_REQUIREMENT = 'S3 storage instance';

/** Uploads a video to its own portrait and downloads it back, tallying both directions. */
function storageUser(video: Buffer, up: TransferTally, down: TransferTally): UserClass {
  return class StorageUser extends HttpUser {
    static override waitTime = between(0, 0.05);
    portraitId = 0;
    override async onStart(): Promise<void> {
      const clientId = await signUpWithClient(this.client, 'storage');
      this.portraitId = (await seedPortraits(this.client, clientId, 1))[0]!;
    }
    @task async roundTrip(): Promise<void> {
      const data = { data: video, filename: 'clip.mp4', contentType: 'video/mp4' };
      const res = await this.client.post(`/portraits/${this.portraitId}/videos`, { name: '/portraits/:id/videos', multipart: { video: data } });
      if (res.status !== 201) return;
      up.add(video.length, res.latencyMs);
      const got = await this.client.get(res.json<{ url: string }>().url, { name: '/files/:key' });
      if (got.status === 200) down.add(got.body.length, got.latencyMs);
    }
  };
}

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
    check: async () => (env.s3 || (await healthSettings(env.target)).storage === 's3' ? undefined : whyMissing),
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
      const targetBackend = (await healthSettings(ctx.targetUrl)).storage;
      const url = backend === 's3' && env.s3 && targetBackend !== 's3' ? env.s3.url : targetBackend === backend ? ctx.targetUrl : undefined;
      if (!url) ctx.skip(`the target stores files in ${targetBackend ?? 'an unknown backend'}, and no ${backend} instance was started (the embedded run starts both)`);
      if (url !== ctx.targetUrl) ctx.finding({ kind: 'second_instance', text: `ran against a second instance (${url}, S3 on a local s3rver); the monitor's target_* figures are the main target's — this instance's RSS is s3_instance_rss_bytes` });
      const up = new TransferTally();
      const down = new TransferTally();
      const load = await ctx.runUsers({ host: url, userClasses: [storageUser(fakeMp4(VIDEO_BYTES), up, down)], users: plan.storageUsers, durationS: plan.storageS, stopTimeoutS: 30 });
      ctx.metric('backend', backend);
      ctx.metric('round_trips', down.latenciesMs.length);
      for (const [k, v] of Object.entries({ ...up.figures('upload', load.durationS), ...down.figures('download', load.durationS) })) ctx.metric(k, v);
      if (url !== ctx.targetUrl && env.s3) ctx.metric('s3_instance_rss_bytes', rssBytes(env.s3.pid));
      ctx.logger.log('info', `storage ${backend}: ${down.latenciesMs.length} round trips, upload ${up.figures('u', 1).u_mb_per_s} MB/s, download ${down.figures('d', 1).d_mb_per_s} MB/s per transfer`);
    },
  };
}
