/**
 * Storage keys. The server generates every key (random, 128 bits), and every key that arrives from a
 * client is checked against {@link STORAGE_KEY_PATTERN} before it reaches a backend, so a key can never
 * name a path of the client's choosing.
 */
import { randomBytes } from 'node:crypto';

/** Kinds of stored object, the key's prefix. */
export type StorageKind = 'img' | 'thumb' | 'marker' | 'vid';

/** File extensions we store, and the content type each is served with. */
export const CONTENT_TYPES = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  json: 'application/json',
  mp4: 'video/mp4',
  webm: 'video/webm',
} as const;

/** A stored file's extension. */
export type StorageExtension = keyof typeof CONTENT_TYPES;

/** The only shape a key can have: `<kind>-<32 hex>.<ext>`. No slashes, no dots but the one. */
export const STORAGE_KEY_PATTERN = '^(img|thumb|marker|vid)-[0-9a-f]{32}\\.(jpg|png|webp|json|mp4|webm)$';
const KEY_RE = new RegExp(STORAGE_KEY_PATTERN);

/** A new random key. */
export function generateKey(kind: StorageKind, extension: StorageExtension): string {
  return `${kind}-${randomBytes(16).toString('hex')}.${extension}`;
}

/** True when `key` is a well-formed key (says nothing about whether it exists). */
export function isValidKey(key: string): boolean {
  return KEY_RE.test(key);
}

/** Content type of a valid key, from its extension. */
export function contentTypeOf(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1) as StorageExtension;
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}
