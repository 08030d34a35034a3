/** Deleting a portrait with everything hanging off it: rows, files, cached AR entry. */
import type { AppContext } from '../context.ts';
import type { PortraitRow } from '../db/schema.ts';
import { invalidateAr } from '../ar/ar-content.ts';

/**
 * Deletes the row first (videos cascade), then the cache entry, then the files: a crash midway can
 * leave an orphan file, never a row pointing at a missing file.
 */
export async function deletePortraitCompletely(ctx: AppContext, portrait: PortraitRow): Promise<void> {
  const videos = await ctx.repos.videos.listByPortrait(portrait.id);
  await ctx.repos.portraits.delete(portrait.id);
  await invalidateAr(ctx, portrait.public_id);
  const keys = [portrait.image_key, portrait.thumbnail_key, portrait.marker_key, ...videos.map((v) => v.video_key)];
  await Promise.all(keys.map((k) => ctx.storage.delete(k)));
}
