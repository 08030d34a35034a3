/**
 * Serialise an HTTP/1.1 request (RFC 9112 §3) into one Buffer: the raw mode builds it once per run and writes
 * the same bytes for every request; the scripted session builds one per request.
 */
/** Header names the request line and framing own: user values for them are ignored. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'host']);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const NO_CTL = /^[^\r\n\0]*$/;

/**
 * Build a request.
 * @param headers name/value pairs, alternating (the session's shape); a user `host` overrides the default
 * @param body sent with a Content-Length; GET/HEAD without one send no length
 */
export function buildRequest(
  method: string,
  path: string,
  hostHeader: string,
  headers: readonly string[],
  body?: string | Uint8Array,
): Buffer {
  if (!TOKEN.test(method)) throw new TypeError(`invalid method ${JSON.stringify(method)}`);
  if (!NO_CTL.test(path) || path.includes(' ')) throw new TypeError(`invalid request target ${JSON.stringify(path)}`);
  let host = hostHeader;
  let lines = '';
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    if (!TOKEN.test(name) || !NO_CTL.test(value)) throw new TypeError(`invalid request header ${JSON.stringify(name)}`);
    const lower = name.toLowerCase();
    if (lower === 'host') host = value;
    if (FRAMING.has(lower)) continue;
    lines += `${name}: ${value}\r\n`;
  }
  const payload = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const sendsLength = payload !== undefined || (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS');
  const head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n${lines}${sendsLength ? `content-length: ${payload?.length ?? 0}\r\n` : ''}\r\n`;
  if (payload === undefined || payload.length === 0) return Buffer.from(head, 'latin1');
  const headBytes = Buffer.byteLength(head, 'latin1');
  const out = Buffer.allocUnsafe(headBytes + payload.length);
  out.write(head, 0, 'latin1');
  out.set(payload, headBytes);
  return out;
}
