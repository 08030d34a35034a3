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

/**
 * Staged (not yet committed) objects are named `<pid>-<32 hex>`: the pid says which process is writing it, so a
 * start-up can tell bytes a live sibling is still writing from bytes a crashed process left behind; the hex is the
 * one the committed key will carry, so a row inserted before its file was committed names the staged bytes it needs.
 */
const TEMP_ID_RE = /^([0-9]{1,10})-([0-9a-f]{32})$/;

/** A new staging name, owned by this process. */
export function newTempId(): string {
  return `${process.pid}-${randomBytes(16).toString('hex')}`;
}

/** The pid and hex of a well-formed staging name, else undefined. */
export function parseTempId(tempId: string): { pid: number; hex: string } | undefined {
  const m = TEMP_ID_RE.exec(tempId);
  return m ? { pid: Number(m[1]), hex: m[2] } : undefined;
}

/** The key staged bytes are committed under: known before the commit, so the row can be written first. */
export function stagedKey(tempId: string, kind: StorageKind, extension: StorageExtension): string {
  const parsed = parseTempId(tempId);
  if (!parsed) throw new Error('invalid staged object');
  return `${kind}-${parsed.hex}.${extension}`;
}

/** The 32 hex digits of a valid key (what ties it to its staging name). */
export function hexOfKey(key: string): string {
  return key.slice(key.indexOf('-') + 1, key.lastIndexOf('.'));
}

/** Kind and extension of a valid key. */
export function partsOfKey(key: string): { kind: StorageKind; extension: StorageExtension } {
  return { kind: key.slice(0, key.indexOf('-')) as StorageKind, extension: key.slice(key.lastIndexOf('.') + 1) as StorageExtension };
}

/** Content type of a valid key, from its extension. */
export function contentTypeOf(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1) as StorageExtension;
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}
