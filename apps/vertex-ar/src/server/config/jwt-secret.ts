/**
 * The JWT signing secret: given (JWT_SECRET), or generated on first start and kept in the data
 * directory with mode 0600 so restarts keep tokens valid. Never a built-in default.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VertexError } from '../../errors.ts';

/** Shortest accepted secret: HS256 wants at least 256 bits of key. */
export const MIN_SECRET_LENGTH = 32;

/** Returns the secret to sign with. */
export async function resolveJwtSecret(dataDir: string, provided?: string): Promise<string> {
  if (provided !== undefined) {
    if (provided.length < MIN_SECRET_LENGTH) {
      throw new VertexError('VERTEX_ERR_VALIDATION', `JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    return provided;
  }
  const file = join(dataDir, 'jwt-secret');
  try {
    // 'wx' fails if the file exists, so two processes starting together cannot overwrite each other.
    await writeFile(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  await chmod(file, 0o600);
  const secret = (await readFile(file, 'utf8')).trim();
  if (secret.length < MIN_SECRET_LENGTH) throw new Error(`${file} holds a secret that is too short; delete it to regenerate`);
  return secret;
}
