/**
 * Video scheduling as a user does it: a portrait with two videos, whose public AR content is switched from one to
 * the other with `PATCH /videos/:id/schedule`, and read back at once from `GET /ar/:publicId` (read-your-writes:
 * the API invalidates the cached AR content before the PATCH answers).
 */
import type { HttpSession } from 'stampede-load';
import { fakeMp4 } from './large-media.ts';

/** Statistics names of the scheduling requests. */
export const SCHEDULE_NAME = '/videos/:id/schedule';
export const VIDEO_UPLOAD_NAME = '/portraits/:id/videos';
export const AR_NAME = '/ar/:publicId';
/** The check that the AR content shows the video scheduled just before. */
export const SWITCH_CHECK = 'AR content switched to the scheduled video';
/** Size of each scheduled video: small, the test is about the schedule, not the upload. */
const VIDEO_BYTES = 64 * 1024;
/**
 * A schedule starts this far in the past, so it is active now even when the target's clock is behind the
 * generator's (a `--target` on another machine).
 */
const START_LEAD_MS = 3600_000;

let video: Buffer | undefined;

/** Something that records checks (an HttpUser). */
export interface Checker {
  check(name: string, condition: boolean): boolean;
}

/** Switches the AR content of one portrait between its two videos. */
export class ScheduleSwitcher {
  private lastStartMs = 0;
  private turn = 0;

  private constructor(readonly publicId: string, readonly videoIds: readonly [number, number]) {}

  /** Uploads two small videos to the portrait; undefined when an upload is refused (the failure is recorded). */
  static async create(session: HttpSession, portrait: { id: number; public_id: string }): Promise<ScheduleSwitcher | undefined> {
    video ??= fakeMp4(VIDEO_BYTES);
    const ids: number[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await session.post(`/portraits/${portrait.id}/videos`, { name: VIDEO_UPLOAD_NAME, multipart: { video: { data: video, filename: `clip-${i}.mp4`, contentType: 'video/mp4' } } });
      if (res.status !== 201) return undefined;
      ids.push(res.json<{ id: number }>().id);
    }
    return new ScheduleSwitcher(portrait.public_id, [ids[0]!, ids[1]!]);
  }

  /**
   * Schedules the other video from now on and checks that the AR content shows it. The active video is the
   * latest-starting active schedule, so each start is later than the one before (never twice the same instant).
   */
  async switchOnce(session: HttpSession, checker: Checker): Promise<void> {
    const next = this.videoIds[this.turn++ % 2]!;
    this.lastStartMs = Math.max(Date.now() - START_LEAD_MS, this.lastStartMs + 1);
    const res = await session.patch(`/videos/${next}/schedule`, { name: SCHEDULE_NAME, json: { starts_at: new Date(this.lastStartMs).toISOString(), ends_at: null } });
    if (res.status !== 200) return;
    const ar = await session.get(`/ar/${this.publicId}`, { name: AR_NAME });
    checker.check(SWITCH_CHECK, ar.status === 200 && ar.json<{ video: { id: number } | null }>().video?.id === next);
  }
}
