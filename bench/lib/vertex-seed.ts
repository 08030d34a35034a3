/**
 * Seeds one portrait into a running Vertex AR API through its public API (goal 6, `GET /ar/:id` warm): register,
 * log in, create a client, upload a portrait image (generated with sharp, structured enough for the marker
 * generator), attach an unscheduled video (an MP4-looking file: the API sniffs the type, it does not decode video),
 * then read `/ar/:id` until it answers 200 so the cache holds the entry before wrk starts.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

/** A small JPEG of coloured rectangles (corners for the marker generator). */
async function portraitJpeg(width = 320, height = 240): Promise<Buffer> {
  const rects = Array.from({ length: 30 }, (_, i) => {
    const fill = ((i * 123457) % 0xffffff).toString(16).padStart(6, '0');
    return `<rect x="${(i * 37) % width}" y="${(i * 53) % height}" width="20" height="15" fill="#${fill}"/>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${rects.join('')}</svg>`;
  return sharp(Buffer.from(svg)).jpeg().toBuffer();
}

/** `size` bytes starting with an ISO BMFF `ftyp` box (how an MP4 starts), then random bytes. */
function mp4Like(size: number): Buffer {
  const buf = randomBytes(size);
  Buffer.from([0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2mp41')]).copy(buf, 0);
  return buf;
}

async function call(base: string, method: string, path: string, token: string | null, body?: unknown): Promise<any> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}

/** Seeds a portrait with a video into the API at `base` (e.g. http://127.0.0.1:8000); returns its `/ar/:publicId` URL. */
export async function seedArPortrait(base: string): Promise<string> {
  const user = `bench_${Date.now().toString(36)}`;
  const password = 'bench-password-1';
  await call(base, 'POST', '/auth/register', null, { username: user, email: `${user}@example.com`, password });
  const { access_token: token } = await call(base, 'POST', '/auth/login', null, { username: user, password });
  const client = await call(base, 'POST', '/clients', token, { name: 'Bench client' });
  const portraitForm = new FormData();
  portraitForm.append('client_id', String(client.id));
  portraitForm.append('image', new Blob([new Uint8Array(await portraitJpeg())], { type: 'image/jpeg' }), 'portrait.jpg');
  const portrait = await call(base, 'POST', '/portraits', token, portraitForm);
  const videoForm = new FormData();
  videoForm.append('video', new Blob([new Uint8Array(mp4Like(64 * 1024))], { type: 'video/mp4' }), 'clip.mp4');
  await call(base, 'POST', `/portraits/${portrait.id}/videos`, token, videoForm);
  // The public AR path takes the portrait's public id; the numeric id is the owner's.
  const url = `${base}/ar/${portrait.public_id}`;
  // The first read fills the cache; a few more make sure later ones are hits.
  for (let i = 0; i < 5; i++) {
    const doc = await call(base, 'GET', `/ar/${portrait.public_id}`, null);
    if (doc.video === null) throw new Error(`/ar/${portrait.public_id} has no video after the upload`);
  }
  return url;
}
