/**
 * Where a request goes: base URL parsed once per session, paths joined by string concatenation. `new URL()` per
 * request costs more than the rest of request preparation together, so it is only used for absolute URLs and
 * redirect Locations, which are rare.
 */
import { InvalidBaseUrlError } from './errors.ts';

/** An origin (`http://host:port`) and a request-target path (with query). */
export interface RequestTarget {
  origin: string;
  path: string;
}

/** A parsed base URL: origin, host for the cookie rule, and the path prefix (no trailing slash). */
export interface BaseTarget {
  origin: string;
  hostname: string;
  pathPrefix: string;
}

/** Parse a session's base URL once. Throws InvalidBaseUrlError (a configuration error). */
export function parseBase(baseUrl: string): BaseTarget {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new InvalidBaseUrlError(baseUrl);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidBaseUrlError(baseUrl);
  const prefix = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  return { origin: url.origin, hostname: url.hostname, pathPrefix: prefix };
}

function isAbsolute(path: string): boolean {
  return path.startsWith('http://') || path.startsWith('https://');
}

/** Append query parameters, RFC 3986 encoded, after any query already in the path. */
export function appendQuery(path: string, query: Record<string, string | number | boolean> | undefined): string {
  if (query === undefined) return path;
  let out = path;
  let sep = path.includes('?') ? '&' : '?';
  for (const key of Object.keys(query)) {
    out += `${sep}${encodeURIComponent(key)}=${encodeURIComponent(String(query[key]))}`;
    sep = '&';
  }
  return out;
}

/**
 * Resolve a user path against the base: `/x` → base prefix + `/x`; `x` → base prefix + `/x`; absolute
 * `http(s)://` URLs are used as they are. Throws TypeError for an unparsable absolute URL.
 */
export function resolveTarget(base: BaseTarget, path: string): RequestTarget {
  if (isAbsolute(path)) {
    const url = new URL(path);
    return { origin: url.origin, path: url.pathname + url.search };
  }
  return { origin: base.origin, path: path.startsWith('/') ? base.pathPrefix + path : `${base.pathPrefix}/${path}` };
}

/** Resolve a redirect Location against the URL that answered with it (RFC 9110 §10.2.2). */
export function resolveLocation(from: RequestTarget, location: string): RequestTarget {
  const url = new URL(location, from.origin + from.path);
  return { origin: url.origin, path: url.pathname + url.search };
}

/** The default statistics name: the path as the user wrote it, without its query string. */
export function defaultName(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}
