/**
 * Streaming video upload: the multipart file goes straight to storage staging through a sniffer that
 * rejects non-MP4/WebM bytes (and markup behind a video signature) within the first kilobyte. Nothing is
 * buffered whole, and whatever goes wrong the staged bytes are discarded, so a rejected upload leaves no file.
 */
import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { invalid, VertexError } from '../errors.ts';
import type { StagedObject, Storage } from '../storage/storage.ts';
import { rethrowMultipartError } from './multipart-errors.ts';
import { SNIFF_BYTES, sniffVideo, VIDEO_SNIFF_BYTES, type VideoType } from './sniff.ts';

/** A staged video plus the text fields sent with it. */
export interface VideoUpload {
  staged: StagedObject;
  type: VideoType;
  fields: Record<string, string>;
}

function unsupported(): VertexError {
  return new VertexError('VERTEX_ERR_UNSUPPORTED_MEDIA_TYPE', 'video must be MP4 or WebM');
}

async function* sniffing(source: AsyncIterable<Buffer>, onType: (t: VideoType) => void): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = Buffer.alloc(0);
  for await (const chunk of source) {
    if (!head) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.length < VIDEO_SNIFF_BYTES) continue;
    onType(decide(head));
    yield head;
    head = undefined;
  }
  // The whole file was shorter than what is sniffed: decide on all of it.
  if (head) {
    onType(decide(head));
    yield head;
  }
}

function decide(head: Buffer): VideoType {
  const type = head.length >= SNIFF_BYTES ? sniffVideo(head) : undefined;
  if (!type) throw unsupported();
  return type;
}

async function stageVideo(storage: Storage, file: Readable & { truncated?: boolean }): Promise<{ staged: StagedObject; type: VideoType }> {
  let type: VideoType | undefined;
  const staged = await storage.stage(Readable.from(sniffing(file, (t) => (type = t))));
  // busboy ends a file at the size limit and flags it; the part iterator reports it later, but we
  // must not keep the truncated bytes in any case.
  if (file.truncated || !type) {
    await storage.discard(staged);
    throw file.truncated ? new VertexError('VERTEX_ERR_TOO_LARGE', 'video exceeds the size limit') : unsupported();
  }
  return { staged, type };
}

/** Reads a multipart request with file field `video`; throws 400/413/415 with nothing left staged. */
export async function receiveVideo(request: FastifyRequest, storage: Storage, maxBytes: number): Promise<VideoUpload> {
  let video: { staged: StagedObject; type: VideoType } | undefined;
  const fields: Record<string, string> = {};
  try {
    const parts = request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12 } });
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname !== 'video') throw invalid(`unexpected file field ${part.fieldname}; send the video as "video"`);
        video = await stageVideo(storage, part.file);
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (err) {
    if (video) await storage.discard(video.staged);
    rethrowMultipartError(err);
  }
  if (!video) throw invalid('file field video is required');
  return { ...video, fields };
}
