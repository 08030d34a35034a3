/**
 * The user classes of the suite's own scenarios. The suite runs them on a worker thread (`runUsers({ script })`
 * with this file), so what the classes share lives in module state of that thread (the portrait pool), and what
 * the suite reports is read back from the engine's per-endpoint statistics, named here.
 */
import { HttpUser, SequentialTaskSet, between, constant, task } from 'stampede-load';
import { adminCredentials } from './lib/account.ts';
import { adminLogin, seedPortraits, signUpWithClient } from './lib/api-session.ts';
import { fakeMp4, noisePng } from './lib/large-media.ts';
import { samplePng } from './lib/sample-image.ts';
import { AR_NAME, ScheduleSwitcher } from './lib/video-schedule.ts';

/** Large-file sizes, bytes. */
export const LARGE_IMAGE_BYTES = 10e6;
export const LARGE_VIDEO_BYTES = 5e6;
/** Storage round-trip video size, bytes. */
export const STORAGE_VIDEO_BYTES = 2e6;
/** Statistics names: the size is part of the name so these never mix with small uploads. */
export const LARGE_IMAGE_NAME = '/portraits [10 MB image]';
export const LARGE_VIDEO_NAME = '/portraits/:id/videos [5 MB video]';
export { AR_NAME };

let largeMedia: { image: Buffer; video: Buffer } | undefined;
let storageVideo: Buffer | undefined;
/** Public ids of the portraits created on this thread, for the AR readers. */
const arPool: string[] = [];

const png = () => ({ data: samplePng(Math.floor(Math.random() * 2 ** 31)), filename: 'portrait.png', contentType: 'image/png' });

/** Uploads a 10 MB image, then a 5 MB video for that portrait, again and again. */
export class LargeUploadUser extends HttpUser {
  static override waitTime = constant(0);
  clientId = 0;
  override async onStart(): Promise<void> {
    largeMedia ??= { image: noisePng(LARGE_IMAGE_BYTES), video: fakeMp4(LARGE_VIDEO_BYTES) };
    this.clientId = await signUpWithClient(this.client, 'large');
  }
  @task async uploadPair(): Promise<void> {
    const { image, video } = largeMedia!;
    const p = await this.client.post('/portraits', { name: LARGE_IMAGE_NAME, multipart: { client_id: String(this.clientId), image: { data: image, filename: 'big.png', contentType: 'image/png' } }, timeoutMs: 120_000 });
    if (p.status !== 201) return;
    const id = p.json<{ id: number }>().id;
    await this.client.post(`/portraits/${id}/videos`, { name: LARGE_VIDEO_NAME, multipart: { video: { data: video, filename: 'big.mp4', contentType: 'video/mp4' } }, timeoutMs: 120_000 });
  }
}

/** Creates portraits (marker generation inside the request) and reads each one's AR content right after. */
export class PortraitCreator extends HttpUser {
  static override weight = 1;
  static override waitTime = between(0.2, 0.5);
  clientId = 0;
  override async onStart(): Promise<void> {
    this.clientId = await signUpWithClient(this.client, 'creator');
    if (arPool.length === 0) arPool.push(...(await seedPortraits(this.client, this.clientId, 2)).map((p) => p.public_id));
  }
  @task async createPortrait(): Promise<void> {
    const res = await this.client.post('/portraits', { multipart: { client_id: String(this.clientId), image: png() } });
    if (res.status !== 201) return;
    const publicId = res.json<{ public_id: string }>().public_id;
    arPool.push(publicId);
    // Generation finishes inside the upload: the AR content answers at once (docs/api.md).
    const ar = await this.client.get(`/ar/${publicId}`, { name: AR_NAME });
    this.check('AR content right after upload', ar.status === 200);
  }
}

/** Reads public AR content of the portraits created so far (on this thread). */
export class ArReader extends HttpUser {
  static override weight = 3;
  static override waitTime = between(0.01, 0.05);
  @task async viewArContent(): Promise<void> {
    const id = arPool[Math.floor(Math.random() * arPool.length)];
    if (id === undefined) return;
    const res = await this.client.get(`/ar/${id}`, { name: AR_NAME });
    this.check('AR content served', res.status === 200);
  }
}

/**
 * Owns a portrait with two videos and keeps switching its AR content between them by schedule, reading it back after
 * each switch; its portrait joins the AR readers' pool, so the content it switches is read (and cached) by others.
 */
export class VideoScheduler extends HttpUser {
  static override weight = 1;
  static override waitTime = between(0.05, 0.2);
  switcher: ScheduleSwitcher | undefined;
  override async onStart(): Promise<void> {
    const [portrait] = await seedPortraits(this.client, await signUpWithClient(this.client, 'scheduler'), 1);
    this.switcher = await ScheduleSwitcher.create(this.client, portrait!);
    if (this.switcher) arPool.push(portrait!.public_id);
  }
  @task async switchVideo(): Promise<void> {
    await this.switcher?.switchOnce(this.client, this);
  }
}

/** Posts a 2 MB video to its portrait and downloads it back from /files/:key (the storage path only). */
export class StorageUser extends HttpUser {
  static override waitTime = between(0, 0.05);
  portraitId = 0;
  override async onStart(): Promise<void> {
    storageVideo ??= fakeMp4(STORAGE_VIDEO_BYTES);
    this.portraitId = (await seedPortraits(this.client, await signUpWithClient(this.client, 'storage'), 1))[0]!.id;
  }
  @task async roundTrip(): Promise<void> {
    const video = { data: storageVideo!, filename: 'clip.mp4', contentType: 'video/mp4' };
    const res = await this.client.post(`/portraits/${this.portraitId}/videos`, { name: '/portraits/:id/videos', multipart: { video } });
    if (res.status === 201) await this.client.get(res.json<{ url: string }>().url, { name: '/files/:key' });
  }
}

/** One pass through a user's path, in order: upload, list, read, AR content, clients. */
class UserJourney extends SequentialTaskSet<HttpUser> {
  clientId = 0;
  portraitId = 0;
  publicId = '';
  override async onStart(): Promise<void> {
    this.clientId = await signUpWithClient(this.client, 'basic');
  }
  @task async upload(): Promise<void> {
    const res = await this.client.post('/portraits', { multipart: { client_id: String(this.clientId), image: png() } });
    if (res.status !== 201) return;
    const portrait = res.json<{ id: number; public_id: string }>();
    this.portraitId = portrait.id;
    this.publicId = portrait.public_id;
  }
  @task async listPortraits(): Promise<void> {
    await this.client.get('/portraits', { query: { limit: 20 } });
  }
  @task async readPortrait(): Promise<void> {
    if (this.portraitId) await this.client.get(`/portraits/${this.portraitId}`, { name: '/portraits/:id' });
  }
  @task async arContent(): Promise<void> {
    if (this.publicId) await this.client.get(`/ar/${this.publicId}`, { name: AR_NAME });
  }
  @task async listClients(): Promise<void> {
    await this.client.get('/clients', { query: { limit: 20 } });
  }
}

/** A regular user's end-to-end path. */
export class BasicUser extends HttpUser {
  static override waitTime = between(0.05, 0.2);
  static override tasks = [UserJourney];
}

/** The bootstrap admin's views (ADMIN_USERNAME / ADMIN_PASSWORD, as the API was started with). */
export class BasicAdmin extends HttpUser {
  static override waitTime = between(0.05, 0.2);
  override async onStart(): Promise<void> {
    await adminLogin(this.client, adminCredentials());
  }
  @task(3) async users(): Promise<void> {
    await this.client.get('/admin/users');
  }
  @task(2) async clients(): Promise<void> {
    await this.client.get('/admin/clients');
  }
  @task(2) async portraits(): Promise<void> {
    await this.client.get('/admin/portraits');
  }
  @task(1) async storage(): Promise<void> {
    const res = await this.client.get('/admin/storage');
    this.check('storage backend ok', res.status === 200);
  }
}

/** Absolute path of this script, for `runUsers({ script })`. */
export const SCENARIO_USERS_SCRIPT = new URL(import.meta.url).pathname;
/** Absolute path of users.ts (the suite's mixed population). */
export const USERS_SCRIPT = new URL('./users.ts', import.meta.url).pathname;
