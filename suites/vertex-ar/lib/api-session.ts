/**
 * Set-up steps of the suite's workloads (accounts, clients, portraits, a /metrics reading), on an HTTP session
 * that records nothing: set-up traffic is not part of what a test measures.
 */
import { createHttpSession, type HttpSession, type HttpSessionHandle, type Recorder } from 'stampede-load';
import { parsePrometheusText, parseSelector, selectSeries } from 'stampede-load/suite';
import { login, registerAndLogin } from './account.ts';
import { samplePng } from './sample-image.ts';

const ignore: Recorder = { record() {}, recordException() {}, recordCheck() {} };

/** A portrait as the API answers it (the fields the suite reads). */
export interface PortraitBody {
  id: number;
  /** The id of its public AR content, `GET /ar/:publicId` (the numeric id is the owner's). */
  public_id: string;
  image_url: string;
  thumbnail_url: string;
}

/** An unrecorded session on `baseUrl`; close it when done. */
export function setupSession(baseUrl: string): HttpSessionHandle {
  return createHttpSession({ baseUrl, recorder: ignore, totalTimeoutMs: 120_000 });
}

/** Throws with the status and the API's error message unless the response has `status`. */
function expect(res: { status: number; text(): string }, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${res.text().slice(0, 200)}`);
}

/** A fresh signed-up session (registered and logged in) with one client; returns the client id. */
export async function signUpWithClient(session: HttpSession, prefix: string): Promise<number> {
  await registerAndLogin(session, prefix);
  return createClient(session, `${prefix} client`);
}

/** Logs `session` in as the admin. */
export async function adminLogin(session: HttpSession, admin: { username: string; password: string }): Promise<void> {
  await login(session, admin.username, admin.password, '/auth/login (admin)');
}

/** Creates a client; returns its id. */
export async function createClient(session: HttpSession, name: string): Promise<number> {
  const res = await session.post('/clients', { json: { name } });
  expect(res, 201, 'POST /clients');
  return res.json<{ id: number }>().id;
}

/** Uploads a portrait (a small generated PNG unless `image` is given). */
export async function uploadPortrait(session: HttpSession, clientId: number, image: Uint8Array = samplePng(Math.floor(Math.random() * 2 ** 31))): Promise<PortraitBody> {
  const res = await session.post('/portraits', { multipart: { client_id: String(clientId), image: { data: image, filename: 'portrait.png', contentType: 'image/png' } } });
  expect(res, 201, 'POST /portraits');
  return res.json<PortraitBody>();
}

/** Uploads `count` small portraits for one client; returns them (`id` for the owner's routes, `public_id` for `/ar`). */
export async function seedPortraits(session: HttpSession, clientId: number, count: number): Promise<PortraitBody[]> {
  const portraits: PortraitBody[] = [];
  for (let i = 0; i < count; i++) portraits.push(await uploadPortrait(session, clientId));
  return portraits;
}

/** The target's effective settings from `/health` (workers, keep-alive, db, cache, storage); {} when absent. */
export async function healthSettings(baseUrl: string): Promise<Record<string, number | string>> {
  const session = setupSession(baseUrl);
  try {
    const res = await session.get('/health');
    const settings = res.status === 200 ? res.json<{ settings?: Record<string, unknown> }>().settings : undefined;
    const out: Record<string, number | string> = {};
    for (const [k, v] of Object.entries(settings ?? {})) if (typeof v === 'number' || typeof v === 'string') out[k] = v;
    return out;
  } catch {
    return {};
  } finally {
    await session.close();
  }
}

/**
 * The target's `/metrics` values for `selectors`, or the reason they cannot be read. A selector the endpoint does
 * not declare (`# TYPE name`) is left out, so callers can tell "0 so far" from "not exposed".
 */
export async function readMetrics(baseUrl: string, selectors: readonly string[]): Promise<{ values: Record<string, number> } | { unavailable: string }> {
  const session = setupSession(baseUrl);
  try {
    const res = await session.get('/metrics');
    if (res.status !== 200) return { unavailable: `GET /metrics answered ${res.status}` };
    const text = res.text();
    const declared = selectors.filter((s) => new RegExp(`^# TYPE ${parseSelector(s).name} `, 'm').test(text));
    const values = selectSeries(parsePrometheusText(text), declared.map(parseSelector));
    for (const s of declared) values[s] ??= 0;
    return { values };
  } catch (error) {
    return { unavailable: `GET /metrics failed: ${(error as Error).message}` };
  } finally {
    await session.close();
  }
}
