/**
 * Public portrait ids: what `/ar/:publicId` takes instead of the sequential row id, so public AR content cannot be
 * enumerated (issue 19, item 6). 12 random bytes = 96 bits from the CSPRNG, base64url without padding: 16
 * characters of `A-Z a-z 0-9 - _`, safe in a path segment as they are.
 */
import { randomBytes } from 'node:crypto';

/** Random bytes in a public id (96 bits: guessing one of a billion ids takes ~2^66 tries). */
export const PUBLIC_ID_BYTES = 12;

/** The only shape a public id has (for the OpenAPI document and the route's check). */
export const PUBLIC_ID_PATTERN = '^[A-Za-z0-9_-]{16}$';
const PUBLIC_ID_RE = new RegExp(PUBLIC_ID_PATTERN);

/** A new public id. */
export function newPublicId(): string {
  return randomBytes(PUBLIC_ID_BYTES).toString('base64url');
}

/** True when `value` has the shape of a public id (says nothing about whether it exists). */
export function isPublicId(value: string): boolean {
  return value.length === 16 && PUBLIC_ID_RE.test(value);
}
