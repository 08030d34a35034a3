/** Row → API shape conversions, one place so every route shows a record the same way. */
import type { ClientRow, PortraitRow, UserRow, VideoRow } from '../db/schema.ts';

/** URL under which a stored object is served. */
export function fileUrl(key: string): string {
  return `/files/${key}`;
}

/** A user without secrets. */
export function userView(u: UserRow) {
  return { id: u.id, username: u.username, email: u.email, role: u.role, created_at: u.created_at };
}

/** A client. */
export function clientView(c: ClientRow) {
  return c;
}

/** A portrait with its file URLs. */
export function portraitView(p: PortraitRow) {
  return {
    id: p.id,
    public_id: p.public_id,
    client_id: p.client_id,
    image_url: fileUrl(p.image_key),
    thumbnail_url: fileUrl(p.thumbnail_key),
    marker: { url: fileUrl(p.marker_key), width: p.marker_width, height: p.marker_height, keypoint_count: p.keypoint_count },
    format: p.format,
    width: p.width,
    height: p.height,
    image_bytes: p.image_bytes,
    view_count: p.view_count,
    created_at: p.created_at,
  };
}

/** A video with its file URL. */
export function videoView(v: VideoRow) {
  return {
    id: v.id,
    portrait_id: v.portrait_id,
    url: fileUrl(v.video_key),
    content_type: v.content_type,
    size_bytes: v.size_bytes,
    starts_at: v.starts_at,
    ends_at: v.ends_at,
    created_at: v.created_at,
  };
}
