/**
 * The web UI's defences (docs/web-ui.md "Security"): loopback by default, credentials required elsewhere,
 * a per-process token on state-changing calls (no form CSRF), a Host check (DNS rebinding), strict headers.
 * Locust's trap, avoided: a UI open to every interface with no auth.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import os from 'node:os';
import type { IncomingMessage } from 'node:http';
import { WebError } from './errors.ts';

/** `--web-auth`: Basic credentials, or a token accepted as Bearer (or as the Basic password, for browsers). */
export type WebAuth = { kind: 'basic'; user: string; pass: string } | { kind: 'token'; token: string };

/** Parses `user:pass` or `token:TOKEN`. */
export function parseWebAuth(value: string): WebAuth {
  const i = value.indexOf(':');
  if (i <= 0 || i === value.length - 1) {
    throw new WebError('STAMPEDE_ERR_WEB_AUTH', `--web-auth must be user:pass or token:TOKEN, got '${value.slice(0, 40)}'`, 400, 'for example --web-auth admin:s3cret');
  }
  const user = value.slice(0, i);
  const secret = value.slice(i + 1);
  return user === 'token' ? { kind: 'token', token: secret } : { kind: 'basic', user, pass: secret };
}

/** Strips IPv6 brackets and lower-cases. */
function bare(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** True for addresses and names that only this machine reaches: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = bare(host);
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1') return true;
  if (h.startsWith('::ffff:')) return isLoopbackHost(h.slice(7));
  return isIP(h) === 4 && h.startsWith('127.');
}

/** True for the wildcard addresses that listen on every interface. */
export function isWildcardHost(host: string): boolean {
  const h = bare(host);
  return h === '0.0.0.0' || h === '::' || h === '';
}

/** This machine's interface addresses and host name (what a Host header names on a wildcard bind). */
export function localNames(): string[] {
  const addresses = Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
  return [...addresses, os.hostname()];
}

/**
 * The hostnames a request's Host header may name: loopback names, the bind address (on a wildcard bind: this
 * machine's addresses and host name), and the extra names given. Anything else is a DNS-rebinding attempt or a
 * misconfiguration.
 */
export function allowedHostnames(bindHost: string, extra: readonly string[] = []): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', ...extra].map(bare));
  for (const name of isWildcardHost(bindHost) ? localNames() : [bindHost]) names.add(bare(name));
  return names;
}

/** The hostname of a Host header (`name:port`, `[v6]:port`), lower-cased, without brackets; '' when malformed. */
export function hostnameOf(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i.exec(hostHeader.trim());
  return m ? bare(m[1]!) : '';
}

/** Constant-time string comparison (digests first, so lengths do not leak either). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/** True when the request carries the configured credentials (Authorization: Basic or Bearer). */
export function authorized(auth: WebAuth, header: string | undefined): boolean {
  if (!header) return false;
  const [scheme = '', value = ''] = header.split(' ', 2);
  if (scheme.toLowerCase() === 'bearer') return auth.kind === 'token' && safeEqual(value, auth.token);
  if (scheme.toLowerCase() !== 'basic') return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return false;
  const user = decoded.slice(0, i);
  const pass = decoded.slice(i + 1);
  // Evaluate both comparisons always, so timing does not reveal which half was wrong.
  if (auth.kind === 'token') return safeEqual(pass, auth.token);
  const userOk = safeEqual(user, auth.user);
  const passOk = safeEqual(pass, auth.pass);
  return userOk && passOk;
}

/** A fresh random token for state-changing calls (embedded in the served page). */
export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Headers on every answer. No inline script or style anywhere; nothing may frame the UI. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/**
 * Checks a state-changing request: JSON only (a form post cannot carry it cross-site), the per-process token in
 * `x-stampede-token`, and, when the browser says where it came from, a same-origin `Origin`.
 */
export function checkStateChange(req: IncomingMessage, csrfToken: string): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new WebError('STAMPEDE_ERR_WEB_CONTENT_TYPE', 'state-changing calls take a JSON body (content-type: application/json)', 415);
  }
  const token = req.headers['x-stampede-token'];
  if (typeof token !== 'string' || !safeEqual(token, csrfToken)) {
    throw new WebError('STAMPEDE_ERR_WEB_TOKEN', 'missing or wrong x-stampede-token header (reload the page)', 403);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originHost = '';
    try {
      originHost = new URL(origin).host;
    } catch {}
    if (originHost.toLowerCase() !== String(req.headers.host ?? '').toLowerCase()) {
      throw new WebError('STAMPEDE_ERR_WEB_ORIGIN', 'cross-origin request refused', 403);
    }
  } else if (origin === 'null') {
    throw new WebError('STAMPEDE_ERR_WEB_ORIGIN', 'cross-origin request refused', 403);
  }
}
