/** Account steps shared by the Vertex AR user classes: register, log in, read admin credentials. */
import { randomBytes } from 'node:crypto';
import type { HttpSession } from 'stampede-load';

/** A username unique across users, threads and runs (the API rejects duplicates with 409). */
export function uniqueUsername(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(5).toString('hex')}`;
}

/** Registers a fresh account and logs in; sets the bearer token on the session. Returns the username. */
export async function registerAndLogin(client: HttpSession, prefix = 'user'): Promise<string> {
  const username = uniqueUsername(prefix);
  const password = `pw-${randomBytes(8).toString('hex')}`;
  await client.post('/auth/register', { json: { username, email: `${username}@example.test`, password } });
  await login(client, username, password);
  return username;
}

/** Logs in and sets the bearer token; throws with the status when refused (the user's onStart fails). */
export async function login(client: HttpSession, username: string, password: string, name = '/auth/login'): Promise<void> {
  const res = await client.post('/auth/login', { json: { username, password }, name });
  if (res.status !== 200) throw new Error(`login as ${username} failed: HTTP ${res.status}`);
  client.defaultHeaders.authorization = `Bearer ${res.json<{ access_token: string }>().access_token}`;
}

/** Admin credentials from ADMIN_USERNAME / ADMIN_PASSWORD (the same variables the API bootstraps its admin from). */
export function adminCredentials(): { username: string; password: string } {
  const username = process.env.ADMIN_USERNAME;
  const password = process.env.ADMIN_PASSWORD;
  if (!username || !password) {
    throw new Error('ADMIN_USERNAME and ADMIN_PASSWORD must be set for the admin user classes (the same values the API was started with)');
  }
  return { username, password };
}
