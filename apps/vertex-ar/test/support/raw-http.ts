/**
 * Raw HTTP/1.1 over a plain `node:net` socket on loopback, for tests where the bytes themselves are the point
 * (broken framing, smuggling, malformed request lines, raw paths) and for requests from a chosen client address
 * (`localAddress`, e.g. 127.0.0.2). Every exchange is bounded by a deadline, and missing it is an error, never a
 * "status 0": a server that hangs fails the test (issue #24). Responses are parsed strictly (RFC 9112), so a
 * malformed answer fails too.
 */
import { connect } from 'node:net';

/** One parsed response. */
export interface RawResponse {
  status: number;
  /** Header names lower-cased, in the order received (a name may repeat). */
  headers: Array<[string, string]>;
  body: Buffer;
}

/** What came back on one connection, up to the server closing it. */
export interface RawExchange {
  /** Every response in order, interim (1xx) ones included; empty when the server closed without answering. */
  responses: RawResponse[];
  /** All bytes received, as latin1, for messages. */
  text: string;
}

/** Options of {@link rawExchange}. */
export interface RawExchangeOptions {
  /** Client address to bind, e.g. `127.0.0.2` (all of 127.0.0.0/8 is loopback on Linux). */
  localAddress?: string;
  /** Deadline for the server to answer and close the connection, in ms; default 15 000. */
  timeoutMs?: number;
  /** Half-close our side after writing (the server then sees the end of the stream); default false. */
  end?: boolean;
  /** The request was HEAD: responses carry no body whatever their headers say. */
  head?: boolean;
}

/** The value of header `name` (first occurrence), or undefined. */
export function headerOf(res: RawResponse, name: string): string | undefined {
  return res.headers.find(([k]) => k === name)?.[1];
}

/** Every value of header `name`. */
export function headersOf(res: RawResponse, name: string): string[] {
  return res.headers.filter(([k]) => k === name).map(([, v]) => v);
}

/**
 * Writes `bytes` on a new connection to `url`'s host and port and reads until the server closes it. Rejects when
 * the server has not closed within the deadline, or when what it sent is not a sequence of well-formed responses.
 */
export function rawExchange(url: string, bytes: string | Buffer, options: RawExchangeOptions = {}): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress: options.localAddress });
    const chunks: Buffer[] = [];
    let failure: Error | undefined;
    socket.on('data', (d) => chunks.push(d));
    // A reset after the server answered is how some refusals end; what was received is judged below.
    socket.on('error', (err) => (failure ??= err));
    const timer = setTimeout(() => {
      failure = new Error(`no close within ${timeoutMs} ms`);
      socket.destroy();
    }, timeoutMs);
    socket.on('close', () => {
      clearTimeout(timer);
      const received = Buffer.concat(chunks);
      const text = received.toString('latin1');
      const sent = String(bytes).slice(0, 80).replace(/\r\n/g, '⏎');
      if (failure?.message.startsWith('no close')) return reject(new Error(`${sent}: ${failure.message}; received ${JSON.stringify(text.slice(0, 200))}`));
      if (failure && received.length === 0) return reject(new Error(`${sent}: ${failure.message} before any response`));
      try {
        resolve({ responses: parseResponses(received, options.head ?? false), text });
      } catch (err) {
        reject(new Error(`${sent}: ${(err as Error).message}; received ${JSON.stringify(text.slice(0, 300))}`));
      }
    });
    socket.write(bytes);
    if (options.end) socket.end();
  });
}

/** A request built from parts, sent with `Connection: close`; resolves its single response. */
export interface RawRequest {
  method: string;
  /** The request target exactly as it goes on the wire. */
  target: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Sends one request (Host and Content-Length added unless given) and returns its only response. */
export async function rawRequest(url: string, req: RawRequest, options: RawExchangeOptions = {}): Promise<RawResponse> {
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const headers: Record<string, string> = { host: new URL(url).host, ...req.headers, connection: 'close' };
  if (body && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding')) headers['content-length'] = String(body.length);
  const head = `${req.method} ${req.target} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  const exchange = await rawExchange(url, body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : head, { ...options, head: req.method === 'HEAD' });
  const finals = exchange.responses.filter((r) => r.status >= 200);
  if (finals.length !== 1) throw new Error(`${req.method} ${req.target.slice(0, 80)}: ${finals.length} final responses: ${JSON.stringify(exchange.text.slice(0, 300))}`);
  return finals[0]!;
}

/** The body of a JSON response, parsed (throws when it is not JSON). */
export function jsonOf(res: RawResponse): any {
  return JSON.parse(res.body.toString('utf8'));
}

const STATUS_LINE = /^HTTP\/1\.1 ([1-5]\d\d) [\t -~\x80-\xff]*$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([\t -~\x80-\xff]*?)[ \t]*$/;

/** Parses back-to-back responses (none when the server closed without a word); the stream must end exactly at the end of the last one. */
function parseResponses(data: Buffer, head = false): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at, 'latin1');
    if (end < 0) throw new Error(`response ${out.length + 1}: head not terminated`);
    const [statusLine, ...lines] = data.subarray(at, end).toString('latin1').split('\r\n');
    const status = STATUS_LINE.exec(statusLine!);
    if (!status) throw new Error(`response ${out.length + 1}: bad status line ${JSON.stringify(statusLine)}`);
    const headers = lines.map((line): [string, string] => {
      const m = HEADER_LINE.exec(line);
      if (!m) throw new Error(`response ${out.length + 1}: bad header line ${JSON.stringify(line)}`);
      return [m[1]!.toLowerCase(), m[2]!];
    });
    const res: RawResponse = { status: Number(status[1]), headers, body: Buffer.alloc(0) };
    at = end + 4;
    const noBody = head || res.status < 200 || res.status === 204 || res.status === 304;
    const te = headerOf(res, 'transfer-encoding');
    const lengths = headersOf(res, 'content-length');
    if (te !== undefined && lengths.length) throw new Error(`response ${out.length + 1}: both Transfer-Encoding and Content-Length`);
    if (noBody) {
      // RFC 9112 §6.3: no body, whatever the framing headers say.
    } else if (te !== undefined) {
      if (te.toLowerCase() !== 'chunked') throw new Error(`response ${out.length + 1}: Transfer-Encoding ${te}`);
      ({ body: res.body, at } = readChunked(data, at));
    } else if (lengths.length) {
      if (new Set(lengths).size !== 1 || !/^\d+$/.test(lengths[0]!)) throw new Error(`response ${out.length + 1}: Content-Length ${lengths.join(', ')}`);
      const n = Number(lengths[0]);
      if (at + n > data.length) throw new Error(`response ${out.length + 1}: body ${data.length - at} of ${n} bytes`);
      res.body = data.subarray(at, at + n);
      at += n;
    } else {
      // Delimited by the close (RFC 9112 §6.3 item 8).
      res.body = data.subarray(at);
      at = data.length;
    }
    out.push(res);
  }
  return out;
}

function readChunked(data: Buffer, start: number): { body: Buffer; at: number } {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const eol = data.indexOf('\r\n', at, 'latin1');
    const size = eol < 0 ? undefined : /^([0-9a-fA-F]{1,8})(;.*)?$/.exec(data.subarray(at, eol).toString('latin1'));
    if (!size) throw new Error('bad chunk size line');
    const n = parseInt(size[1]!, 16);
    at = eol + 2;
    if (n === 0) {
      // No trailers from this server: the last chunk is followed by the final CRLF.
      if (data.subarray(at, at + 2).toString('latin1') !== '\r\n') throw new Error('chunked body not terminated');
      return { body: Buffer.concat(parts), at: at + 2 };
    }
    if (at + n + 2 > data.length || data.subarray(at + n, at + n + 2).toString('latin1') !== '\r\n') throw new Error('chunk truncated');
    parts.push(data.subarray(at, at + n));
    at += n + 2;
  }
}
