/** Creates or updates the admin account (ADMIN_USERNAME/ADMIN_PASSWORD, or `vertex-ar create-admin`). */
import { hashPassword } from '../auth/passwords.ts';
import type { Repositories } from '../db/repositories.ts';
import { VertexError } from '../errors.ts';

/** Result of {@link ensureAdmin}. */
export type EnsureAdminResult = 'created' | 'updated';

/** Makes `username` an admin with `password`, creating the account if needed. */
export async function ensureAdmin(repos: Repositories, username: string, password: string): Promise<EnsureAdminResult> {
  if (!/^[A-Za-z0-9_.-]{3,64}$/.test(username)) {
    throw new VertexError('VERTEX_ERR_VALIDATION', 'admin username must be 3-64 characters of letters, digits, _ . -');
  }
  if (password.length < 8) throw new VertexError('VERTEX_ERR_VALIDATION', 'admin password must be at least 8 characters');
  const hash = await hashPassword(password);
  const existing = await repos.users.findByUsername(username);
  if (existing) {
    await repos.users.updateCredentials(existing.id, hash, 'admin');
    return 'updated';
  }
  await repos.users.create({ username, email: null, password_hash: hash, role: 'admin', created_at: new Date().toISOString() });
  return 'created';
}
