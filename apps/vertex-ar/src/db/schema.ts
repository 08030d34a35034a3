/**
 * Table types for kysely. Timestamps are ISO-8601 UTC strings (`Date#toISOString()`), so they sort and
 * compare correctly as text on both SQLite and PostgreSQL; ids are integers.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Role of a user account. */
export type Role = 'user' | 'admin';

export interface UsersTable {
  id: Generated<number>;
  username: string;
  email: string | null;
  password_hash: string;
  role: Role;
  created_at: string;
  /** Bumped by a password or role change and by a logout; a token signed with an older version is refused. */
  token_version: Generated<number>;
}

export interface ClientsTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  phone: string | null;
  email: string | null;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

export interface PortraitsTable {
  id: Generated<number>;
  user_id: number;
  client_id: number;
  image_key: string;
  thumbnail_key: string;
  marker_key: string;
  format: string;
  width: number;
  height: number;
  image_bytes: number;
  keypoint_count: number;
  marker_width: number;
  marker_height: number;
  view_count: Generated<number>;
  created_at: string;
  /** The unguessable id of `/ar/:publicId` (ar/public-id.ts); `id` stays internal. */
  public_id: string;
}

export interface VideosTable {
  id: Generated<number>;
  user_id: number;
  portrait_id: number;
  video_key: string;
  content_type: string;
  size_bytes: number;
  starts_at: string | null;
  ends_at: string | null;
  created_at: string;
}

/** The whole database, as kysely sees it. */
export interface DatabaseSchema {
  users: UsersTable;
  clients: ClientsTable;
  portraits: PortraitsTable;
  videos: VideosTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type ClientRow = Selectable<ClientsTable>;
export type NewClient = Insertable<ClientsTable>;
export type ClientPatch = Updateable<ClientsTable>;
export type PortraitRow = Selectable<PortraitsTable>;
export type NewPortrait = Insertable<PortraitsTable>;
export type VideoRow = Selectable<VideosTable>;
export type NewVideo = Insertable<VideosTable>;
