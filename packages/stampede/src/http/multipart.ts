/**
 * A small multipart/form-data builder (RFC 7578). Twenty lines of our own beat a dependency: the body is built
 * once into one Buffer, so undici sends it with a content-length and no stream machinery.
 */
import { randomBytes } from 'node:crypto';
import type { MultipartValue } from './types.ts';

/** A built multipart body and the content-type header value that names its boundary. */
export interface MultipartResult {
  body: Buffer;
  contentType: string;
}

const CRLF = '\r\n';

/** HTML's form encoding escapes these three in names and filenames (WHATWG HTML §4.10.21.8). */
function escapeQuoted(text: string): string {
  return text.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/**
 * Build a multipart/form-data body. A string value is a plain field; an object value is a file part with
 * `filename` (default `blob`, as FormData names an unnamed Blob) and `contentType` (default
 * `application/octet-stream`). The boundary is random, so it cannot collide with file bytes in practice.
 */
export function buildMultipart(fields: Record<string, MultipartValue>): MultipartResult {
  const boundary = `----StampedeBoundary${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const name of Object.keys(fields)) {
    const field = fields[name]!;
    let head = `--${boundary}${CRLF}Content-Disposition: form-data; name="${escapeQuoted(name)}"`;
    if (typeof field === 'string') {
      parts.push(Buffer.from(`${head}${CRLF}${CRLF}${field}${CRLF}`, 'utf8'));
      continue;
    }
    head += `; filename="${escapeQuoted(field.filename ?? 'blob')}"${CRLF}`;
    head += `Content-Type: ${field.contentType ?? 'application/octet-stream'}${CRLF}${CRLF}`;
    parts.push(Buffer.from(head, 'utf8'));
    parts.push(Buffer.from(field.data.buffer, field.data.byteOffset, field.data.byteLength));
    parts.push(Buffer.from(CRLF, 'latin1'));
  }
  parts.push(Buffer.from(`--${boundary}--${CRLF}`, 'latin1'));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
