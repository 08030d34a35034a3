/**
 * Comprehensive / large files: several users each upload a 10 MB portrait image and then a 5 MB video for it, over
 * and over, at the same time. Reports MB/s per upload and overall, and latency per kind.
 */
import { HttpUser, constant, task, type SuiteTest, type UserClass } from 'stampede';
import { fakeMp4, noisePng } from '../lib/large-media.ts';
import { signUpWithClient } from '../lib/api-session.ts';
import { TransferTally } from './figures.ts';
import type { ScenarioEnv } from './scenario-env.ts';

const IMAGE_BYTES = 10e6;
const VIDEO_BYTES = 5e6;
/** Statistics names: the size is part of the name so these never mix with small uploads. */
export const IMAGE_NAME = '/portraits [10 MB image]';
export const VIDEO_NAME = '/portraits/:id/videos [5 MB video]';

/** A user class that uploads image/video pairs and tallies the bytes of each successful upload. */
function pairUploader(media: { image: Buffer; video: Buffer }, images: TransferTally, videos: TransferTally): UserClass {
  return class LargeUploadUser extends HttpUser {
    static override waitTime = constant(0);
    clientId = 0;

    override async onStart(): Promise<void> {
      this.clientId = await signUpWithClient(this.client, 'large');
    }

    @task async uploadPair(): Promise<void> {
      const image = { data: media.image, filename: 'portrait.png', contentType: 'image/png' };
      const p = await this.client.post('/portraits', { name: IMAGE_NAME, multipart: { client_id: String(this.clientId), image }, timeoutMs: 120_000 });
      if (p.status !== 201) return;
      images.add(media.image.length, p.latencyMs);
      const video = { data: media.video, filename: 'video.mp4', contentType: 'video/mp4' };
      const id = p.json<{ id: number }>().id;
      const v = await this.client.post(`/portraits/${id}/videos`, { name: VIDEO_NAME, multipart: { video }, timeoutMs: 120_000 });
      if (v.status === 201) videos.add(media.video.length, v.latencyMs);
    }
  };
}

/** The large-files test. */
export function largeFilesTest(env: ScenarioEnv): SuiteTest {
  const { plan } = env;
  return {
    name: 'large-file-uploads',
    category: 'comprehensive',
    p95ObjectivesMs: { [`POST ${IMAGE_NAME}`]: plan.quick ? 20_000 : 5000, [`POST ${VIDEO_NAME}`]: plan.quick ? 10_000 : 2000 },
    criteria: [{ metric: 'failure_rate', max: plan.errorBudget }, { metric: 'pairs_uploaded', min: 1 }],
    async workload(ctx) {
      const media = { image: noisePng(IMAGE_BYTES), video: fakeMp4(VIDEO_BYTES) };
      const images = new TransferTally();
      const videos = new TransferTally();
      const load = await ctx.runUsers({ userClasses: [pairUploader(media, images, videos)], users: plan.largePairs, durationS: plan.largeS, stopTimeoutS: 60 });
      ctx.metric('concurrent_pairs', plan.largePairs);
      ctx.metric('image_bytes', media.image.length);
      ctx.metric('video_bytes', media.video.length);
      ctx.metric('pairs_uploaded', videos.latenciesMs.length);
      for (const [k, v] of Object.entries({ ...images.figures('image_upload', load.durationS), ...videos.figures('video_upload', load.durationS) })) ctx.metric(k, v);
      ctx.metric('upload_mb_per_s', Math.round(((images.bytes + videos.bytes) / 1e6 / load.durationS) * 10) / 10);
      ctx.logger.log('info', `large files: ${videos.latenciesMs.length} pairs, image ${images.figures('i', load.durationS).i_mb_per_s} MB/s, video ${videos.figures('v', load.durationS).v_mb_per_s} MB/s per upload`);
    },
  };
}
