/**
 * AR content of a portrait: what the public viewer needs, cached per portrait. The cached entry holds
 * every video with its schedule; which one is active is decided per request, because "now" moves
 * while the entry stays valid.
 */
import type { AppContext } from '../context.ts';
import type { VideoRow } from '../db/schema.ts';
import { portraitView, videoView } from '../routes/views.ts';

type VideoView = ReturnType<typeof videoView>;

/** Cached AR data of one portrait. */
export interface ArEntry {
  portrait: ReturnType<typeof portraitView>;
  /** Scheduled videos (either bound set), latest `starts_at` first. */
  scheduled: VideoView[];
  /** The newest unscheduled video, the fallback when no schedule is active. */
  fallback: VideoView | null;
}

/** The public AR document. */
export interface ArDocument {
  portrait_id: number;
  image_url: string;
  thumbnail_url: string;
  marker: ArEntry['portrait']['marker'];
  video: VideoView | null;
}

function cacheKey(portraitId: number): string {
  return `ar:${portraitId}`;
}

function buildEntry(portrait: ArEntry['portrait'], rows: VideoRow[]): ArEntry {
  const scheduled = rows.filter((v) => v.starts_at !== null || v.ends_at !== null).map(videoView);
  // ISO-8601 UTC strings compare correctly as text; an open start sorts last, ties go to the newer id.
  scheduled.sort((a, b) => (b.starts_at ?? '').localeCompare(a.starts_at ?? '') || b.id - a.id);
  const unscheduled = rows.filter((v) => v.starts_at === null && v.ends_at === null);
  const newest = unscheduled.at(-1);
  return { portrait, scheduled, fallback: newest ? videoView(newest) : null };
}

/** The video to show at `nowIso`: latest-starting active schedule, else the unscheduled fallback. */
export function activeVideo(entry: ArEntry, nowIso: string): VideoView | null {
  for (const v of entry.scheduled) {
    if ((v.starts_at === null || v.starts_at <= nowIso) && (v.ends_at === null || nowIso < v.ends_at)) return v;
  }
  return entry.fallback;
}

/** Cached entry for a portrait, loading it on a miss; undefined when the portrait does not exist. */
export function getArEntry(ctx: AppContext, portraitId: number): Promise<ArEntry | undefined> {
  return ctx.cache.getOrLoad(cacheKey(portraitId), '', async () => {
    const portrait = await ctx.repos.portraits.find(portraitId);
    if (!portrait) return undefined;
    return buildEntry(portraitView(portrait), await ctx.repos.videos.listByPortrait(portraitId));
  });
}

/** The public document for `entry` at `nowMs`. */
export function arDocument(entry: ArEntry, nowMs: number): ArDocument {
  const p = entry.portrait;
  return {
    portrait_id: p.id,
    image_url: p.image_url,
    thumbnail_url: p.thumbnail_url,
    marker: p.marker,
    video: activeVideo(entry, new Date(nowMs).toISOString()),
  };
}

/** Drops a portrait's cached entry; awaited by every write before it responds (read-your-writes). */
export function invalidateAr(ctx: AppContext, portraitId: number): Promise<void> {
  return ctx.cache.invalidate([cacheKey(portraitId)]);
}
