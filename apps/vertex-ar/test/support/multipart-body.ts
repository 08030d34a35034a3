/** A multipart/form-data body built byte by byte, so a test controls every part (hostile names, filenames, types). */

/** One part of {@link multipartBody}. */
export interface MultipartPart {
  name: string;
  /** Sent as `filename="…"` when given. */
  filename?: string;
  /** The part's Content-Type, when given. */
  type?: string;
  data: Uint8Array | string;
}

/** The body, and the Content-Type header that names `boundary` (default `test-boundary`). */
export function multipartBody(parts: MultipartPart[], boundary = 'test-boundary'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: ${disposition}\r\n${p.type ? `content-type: ${p.type}\r\n` : ''}\r\n`));
    chunks.push(Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
