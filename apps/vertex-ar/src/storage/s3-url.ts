/** Parsing `s3://bucket/prefix` (kept apart from the S3 client so the CLI can validate without loading the SDK). */

/** `s3://bucket/prefix` → bucket and prefix (with a trailing slash when not empty). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new Error(`not an S3 URL: ${url} (expected s3://bucket or s3://bucket/prefix)`);
  const prefix = (m[2] ?? '').replace(/\/+$/, '');
  return { bucket: m[1], prefix: prefix ? `${prefix}/` : '' };
}
