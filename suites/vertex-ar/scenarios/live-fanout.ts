/**
 * Live AR fan-out: many viewers watch one portrait's live updates (`GET /ar/:publicId/live`, WebSocket), its owner
 * changes the schedule once, and the test measures how long until every viewer knows — from the PATCH leaving the
 * generator to the last viewer's message. The API promises a change written through the same process at once and
 * through another worker within a second: the criterion is that second, and every viewer must hear the change.
 * Readers of the same portrait's AR document load the API meanwhile (the test's request figures are theirs): the
 * change reaches viewers while the document is being read, as in production.
 */
import type { SuiteTest } from 'stampede-load/suite';
import { createClient, setupSession, uploadPortrait } from '../lib/api-session.ts';
import { registerAndLogin } from '../lib/account.ts';
import { fakeMp4 } from '../lib/large-media.ts';
import { percentile } from './figures.ts';
import type { ScenarioEnv } from './scenario-env.ts';

/** The promise of the live endpoint for a change written elsewhere, ms. */
const FANOUT_OBJECTIVE_MS = 1_000;
const WAIT_MS = 10_000;

interface VideoMessage {
  type: string;
  video: { id: number } | null;
}

/** The live fan-out test: `viewers` live connections (50 with --quick, else 200, 500 under stress). */
export function liveFanoutTest(env: ScenarioEnv): SuiteTest {
  const viewers = env.plan.quick ? 50 : env.plan.profile === 'stress' ? 500 : 200;
  return {
    name: 'live-fanout',
    category: 'portraits',
    criteria: [{ metric: 'viewers_told', min: viewers }, { metric: 'fanout_ms', max: FANOUT_OBJECTIVE_MS }],
    async workload(ctx) {
      const session = setupSession(ctx.targetUrl);
      try {
        await registerAndLogin(session, 'live');
        const portrait = await uploadPortrait(session, await createClient(session, 'live client'));
        const video = async (fields: Record<string, string>) => {
          const res = await session.post(`/portraits/${portrait.id}/videos`, {
            multipart: { ...fields, video: { data: fakeMp4(2_000), filename: 'clip.mp4', contentType: 'video/mp4' } },
          });
          if (res.status !== 201) throw new Error(`video upload: HTTP ${res.status} ${res.text().slice(0, 200)}`);
          return res.json<{ id: number }>().id;
        };
        const fallback = await video({});
        const scheduled = await video({ starts_at: '2020-01-01T00:00:00Z', ends_at: '2999-01-01T00:00:00Z' });

        const connections = await Promise.all(Array.from({ length: viewers }, () => session.ws(`/ar/${portrait.public_id}/live`, { name: '/ar/:publicId/live' })));
        // Each viewer is told the current video on connecting: the scheduled one.
        await Promise.all(connections.map((c) => c.next({ timeout: WAIT_MS })));
        const readers = ctx.runHttp({ requests: [{ path: `/ar/${portrait.public_id}`, name: '/ar/:publicId' }], connections: 4, durationS: env.plan.quick ? 3 : 10 });
        await new Promise((resolve) => setTimeout(resolve, 1_000));

        const startMs = performance.now();
        const told = connections.map((c) =>
          c.next({ timeout: WAIT_MS }).then(
            (message) => ((JSON.parse(String(message)) as VideoMessage).video?.id === fallback ? performance.now() - startMs : null),
            () => null,
          ),
        );
        const moved = await session.patch(`/videos/${scheduled}/schedule`, { json: { starts_at: '2000-01-01T00:00:00Z', ends_at: '2000-06-01T00:00:00Z' } });
        const patchMs = performance.now() - startMs;
        if (moved.status !== 200) throw new Error(`schedule change: HTTP ${moved.status} ${moved.text().slice(0, 200)}`);
        const times = (await Promise.all(told)).filter((t): t is number => t !== null);
        await readers;

        ctx.metric('viewers', viewers);
        ctx.metric('viewers_told', times.length);
        ctx.metric('patch_ms', round(patchMs));
        ctx.metric('fanout_ms', times.length === viewers ? round(Math.max(...times)) : null);
        ctx.metric('fanout_p50_ms', round(percentile(times, 50)));
        ctx.metric('fanout_p95_ms', round(percentile(times, 95)));
        if (times.length < viewers) {
          ctx.finding({ kind: 'viewers_not_told', text: `${viewers - times.length} of ${viewers} viewers were not told the schedule change within ${WAIT_MS} ms`, evidence: { viewers, told: times.length } });
        }
        ctx.logger.log('info', `live fan-out: ${times.length}/${viewers} viewers told, the last ${round(Math.max(0, ...times))} ms after the PATCH was sent`);
        await Promise.all(connections.map((c) => c.close()));
      } finally {
        await session.close();
      }
    },
  };
}

function round(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 10) / 10;
}
