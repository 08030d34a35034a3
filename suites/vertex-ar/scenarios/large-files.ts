/**
 * Comprehensive / large files: several users each upload a 10 MB portrait image and then a 5 MB video for it, over
 * and over, at the same time. Reports MB/s per upload and overall, and latency per kind.
 */
import type { SuiteTest, TestContext } from 'stampede-load/suite';
import { LARGE_IMAGE_BYTES, LARGE_IMAGE_NAME, LARGE_VIDEO_BYTES, LARGE_VIDEO_NAME, LargeUploadUser, SCENARIO_USERS_SCRIPT } from '../scenario-users.ts';
import { successes, transferFigures } from './figures.ts';
import { healthSettings } from '../lib/api-session.ts';
import type { ScenarioEnv } from './scenario-env.ts';

function record(ctx: TestContext, figures: Record<string, number | null>): void {
  for (const [k, v] of Object.entries(figures)) ctx.metric(k, v);
}

/** The large-files test. */
export function largeFilesTest(env: ScenarioEnv): SuiteTest {
  const { plan } = env;
  return {
    name: 'large-file-uploads',
    category: 'comprehensive',
    settings: () => healthSettings(env.target),
    p95ObjectivesMs: { [`POST ${LARGE_IMAGE_NAME}`]: plan.quick ? 20_000 : 5000, [`POST ${LARGE_VIDEO_NAME}`]: plan.quick ? 10_000 : 2000 },
    criteria: [{ metric: 'failure_rate', max: plan.errorBudget }, { metric: 'pairs_uploaded', min: 1 }],
    async workload(ctx) {
      const load = await ctx.runUsers({ userClasses: [LargeUploadUser], script: SCENARIO_USERS_SCRIPT, threads: 1, users: plan.largePairs, durationS: plan.largeS, stopTimeoutS: 60 });
      const image = transferFigures(load, 'POST', LARGE_IMAGE_NAME, 'image_upload', LARGE_IMAGE_BYTES);
      const video = transferFigures(load, 'POST', LARGE_VIDEO_NAME, 'video_upload', LARGE_VIDEO_BYTES);
      const pairs = successes(load, 'POST', LARGE_VIDEO_NAME);
      record(ctx, { concurrent_pairs: plan.largePairs, image_bytes: LARGE_IMAGE_BYTES, video_bytes: LARGE_VIDEO_BYTES, pairs_uploaded: pairs, ...image, ...video });
      const bytes = successes(load, 'POST', LARGE_IMAGE_NAME) * LARGE_IMAGE_BYTES + pairs * LARGE_VIDEO_BYTES;
      // All uploads together over the load's duration: named apart from the per-transfer `*_upload_mb_per_s` (and
      // from the storage tests' per-transfer `upload_mb_per_s`), since it measures something else.
      ctx.metric('all_uploads_mb_per_s', Math.round((bytes / 1e6 / load.durationS) * 10) / 10);
      ctx.logger.log('info', `large files: ${pairs} pairs by ${plan.largePairs} users at once; per upload image ${image.image_upload_mb_per_s} MB/s (p95 ${image.image_upload_p95_ms} ms), video ${video.video_upload_mb_per_s} MB/s (p95 ${video.video_upload_p95_ms} ms)`);
    },
  };
}
