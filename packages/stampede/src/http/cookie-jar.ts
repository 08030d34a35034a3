/**
 * The per-session cookie jar, deliberately minimal: a load test needs login sessions to round-trip, not a browser's
 * cookie policy. Attributes are ignored except the two that delete a cookie (Max-Age ≤ 0, Expires in the past),
 * because logout flows rely on them. Domain/Path are ignored: the session only ever sends the jar to its base host.
 */

/** Apply one Set-Cookie header value (RFC 6265 §5.2, reduced) to the jar. */
export function applySetCookie(jar: Map<string, string>, header: string, nowMs: number): void {
  const semi = header.indexOf(';');
  const pair = semi === -1 ? header : header.slice(0, semi);
  const eq = pair.indexOf('=');
  if (eq <= 0) return; // RFC 6265 §5.2 step 5: a cookie without a name is ignored
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  if (name === '') return;
  if (semi !== -1 && expiresNow(header.slice(semi + 1), nowMs)) {
    jar.delete(name);
    return;
  }
  jar.set(name, value);
}

function expiresNow(attributes: string, nowMs: number): boolean {
  let expired = false;
  for (const attribute of attributes.split(';')) {
    const eq = attribute.indexOf('=');
    if (eq === -1) continue;
    const key = attribute.slice(0, eq).trim().toLowerCase();
    const value = attribute.slice(eq + 1).trim();
    // Max-Age wins over Expires whatever their order (RFC 6265 §5.3 step 3).
    if (key === 'max-age' && /^-?\d+$/.test(value)) return Number(value) <= 0;
    if (key === 'expires') {
      const at = Date.parse(value);
      expired = !Number.isNaN(at) && at <= nowMs;
    }
  }
  return expired;
}

/** The Cookie request header for the jar's contents, or undefined when it is empty. */
export function cookieHeader(jar: Map<string, string>): string | undefined {
  if (jar.size === 0) return undefined;
  let out = '';
  for (const [name, value] of jar) out += out === '' ? `${name}=${value}` : `; ${name}=${value}`;
  return out;
}
