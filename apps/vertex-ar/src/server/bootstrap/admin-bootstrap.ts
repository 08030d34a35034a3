/**
 * Creates or updates the admin account (ADMIN_USERNAME/ADMIN_PASSWORD, or `vertex-ar create-admin`).
 *
 * An existing account that is not an admin is never promoted unless the caller says so (`promote`, the
 * `--promote` flag): anyone may have registered that name, and promoting it would hand its owner's tokens
 * the admin routes (issue 19, item 4). A promotion, like any password change, bumps the account's token
 * version, so every token issued before is refused.
 */
import { hashPassword, verifyPassword } from '../../auth/passwords.ts';
import type { Repositories } from '../../db/repositories.ts';
import { VertexError } from '../../errors.ts';

/** Result of {@link ensureAdmin}: `unchanged` when the admin already had that password (nothing written). */
export type EnsureAdminResult = 'created' | 'promoted' | 'updated' | 'unchanged';

/** Options for {@link ensureAdmin}. */
export interface EnsureAdminOptions {
  /** Promote an existing non-admin account (and revoke its tokens); without it such an account is refused. */
  promote?: boolean;
  /** What the refusal tells the operator to do, after saying why (e.g. "pass --promote to promote it"). */
  refusalHint?: string;
}

/**
 * Makes `username` an admin with `password`: creates the account, or, for an existing admin whose password
 * differs, sets the new one (revoking its tokens). Throws `VERTEX_ERR_CONFLICT` for an existing non-admin
 * account unless `options.promote`, and then changes nothing.
 */
export async function ensureAdmin(
  repos: Repositories, username: string, password: string, options: EnsureAdminOptions = {},
): Promise<EnsureAdminResult> {
  if (!/^[A-Za-z0-9_.-]{3,64}$/.test(username)) {
    throw new VertexError('VERTEX_ERR_VALIDATION', 'admin username must be 3-64 characters of letters, digits, _ . -');
  }
  if (password.length < 8) throw new VertexError('VERTEX_ERR_VALIDATION', 'admin password must be at least 8 characters');
  const existing = await repos.users.findByUsername(username);
  if (!existing) {
    // `Admin` when `admin` exists: a look-alike of another account (and the unique index would refuse it anyway).
    if (await repos.users.usernameTaken(username)) {
      throw new VertexError('VERTEX_ERR_CONFLICT', `an account named "${username}" in another case exists; names are unique whatever their case`);
    }
    const hash = await hashPassword(password);
    await repos.users.create({ username, email: null, password_hash: hash, role: 'admin', created_at: new Date().toISOString() });
    return 'created';
  }
  if (existing.role !== 'admin') {
    if (!options.promote) {
      const hint = options.refusalHint ?? 'pass --promote to make it an admin (its tokens are revoked)';
      throw new VertexError('VERTEX_ERR_CONFLICT', `account "${username}" exists and is not an admin; ${hint}`);
    }
    await repos.users.updateCredentials(existing.id, await hashPassword(password), 'admin');
    return 'promoted';
  }
  // A restart with the same ADMIN_PASSWORD must not log the admin out: write (and bump) only on a change.
  if (await verifyPassword(password, existing.password_hash)) return 'unchanged';
  await repos.users.updateCredentials(existing.id, await hashPassword(password), 'admin');
  return 'updated';
}

/**
 * The start-up bootstrap (ADMIN_USERNAME/ADMIN_PASSWORD at `serve`): as {@link ensureAdmin} without `promote`.
 * A registered non-admin account of that name stops the start with one line saying what to do: the server
 * neither promotes it silently nor runs without the admin it was configured with.
 */
export function bootstrapAdmin(repos: Repositories, username: string, password: string): Promise<EnsureAdminResult> {
  return ensureAdmin(repos, username, password, {
    refusalHint: `refusing to promote it at start-up: run \`vertex-ar create-admin --username ${username} --promote\` or set another ADMIN_USERNAME`,
  });
}
