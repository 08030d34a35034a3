/**
 * AR content of a portrait: what the public viewer needs, cached per portrait under its public id (the
 * numeric id never appears on the public path, issue 19 item 6). The cached entry holds
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

/** The public AR document (a type alias, not an interface: it is handed as-is to a serializer of plain records). */
export type ArDocument = {
  public_id: string;
  image_url: string;
  thumbnail_url: string;
  marker: ArEntry['portrait']['marker'];
  video: VideoView | null;
};

function cacheKey(publicId: string): string {
  return `ar:${publicId}`;
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

/** Cached entry for the portrait of `publicId`, loading it on a miss; undefined when there is none. */
export function getArEntry(ctx: AppContext, publicId: string): Promise<ArEntry | undefined> {
  return ctx.cache.getOrLoad(cacheKey(publicId), '', async () => {
    const portrait = await ctx.repos.portraits.findByPublicId(publicId);
    if (!portrait) return undefined;
    return buildEntry(portraitView(portrait), await ctx.repos.videos.listByPortrait(portrait.id));
  });
}

/** The public document of `entry` with `video` active. */
function documentOf(entry: ArEntry, video: VideoView | null): ArDocument {
  const p = entry.portrait;
  return { public_id: p.public_id, image_url: p.image_url, thumbnail_url: p.thumbnail_url, marker: p.marker, video };
}

// An entry's document changes only when its active video does, so each (entry, active video) is serialized once
// (issue 11, goal 6: the serializer was the largest share of a warm read). Keyed by the entry object: an
// invalidated entry leaves the cache and its bodies go with it; a store that hands out copies (Redis) just misses.
const bodies = new WeakMap<ArEntry, Map<number, string>>();

/** What serializes a document: the route's reply (Fastify's `serializeInput` with the route's 200 schema). */
export interface ArSerializer {
  serializeInput(input: { [key: string]: unknown }, httpStatus: string): unknown;
}

/** The serialized public document for `entry` at `nowMs`, made by `serializer` once per active video. */
export function arBody(entry: ArEntry, nowMs: number, serializer: ArSerializer): string {
  // Without schedules the fallback is active at any time: no clock reading, no date formatting.
  const video = entry.scheduled.length === 0 ? entry.fallback : activeVideo(entry, new Date(nowMs).toISOString());
  let byVideo = bodies.get(entry);
  if (byVideo === undefined) bodies.set(entry, (byVideo = new Map()));
  const key = video?.id ?? 0;
  let body = byVideo.get(key);
  if (body === undefined) byVideo.set(key, (body = String(serializer.serializeInput(documentOf(entry, video), '200'))));
  return body;
}

/** The cached entry of `publicId` when the cache can answer at once (in-process LRU); else undefined. */
export function peekArEntry(ctx: AppContext, publicId: string): ArEntry | undefined {
  return ctx.cache.peek<ArEntry>(cacheKey(publicId), '');
}

/** Drops a portrait's cached entry (by its public id); awaited by every write before it responds (read-your-writes). */
export function invalidateAr(ctx: AppContext, publicId: string): Promise<void> {
  return ctx.cache.invalidate([cacheKey(publicId)]);
}
