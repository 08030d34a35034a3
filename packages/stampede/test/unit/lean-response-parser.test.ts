/** The lean path's incremental response parser: same result for every split of the bytes (issue 11). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseParser } from '../../src/http/lean/response-parser.ts';
import { classifyError } from '../../src/http/classify-error.ts';

interface Outcome {
  status: number;
  body: string;
  keepAlive: boolean;
  headBytes: number;
  consumed: number;
  headers: string[];
}

/** Feed `parts` in order; returns the outcome once complete (or at EOF when `eof`), or the error. */
function parse(parts: Buffer[], opts: { head?: boolean; eof?: boolean; maxBody?: number } = {}): Outcome | Error {
  const p = new ResponseParser();
  p.reset(opts.head ?? false, true, opts.maxBody);
  let consumed = 0;
  for (const part of parts) {
    const at = p.execute(part);
    if (at === -1) return p.error!;
    consumed += at;
    if (p.done) break;
  }
  if (!p.done && opts.eof && !p.finishOnEof()) return new Error('cut short');
  if (!p.done) return new Error('incomplete');
  return {
    status: p.status,
    body: Buffer.concat(p.bodyChunks!).toString('latin1'),
    keepAlive: p.keepAlive,
    headBytes: p.headBytes,
    consumed,
    headers: p.rawHeaders!.map((b) => b.toString('latin1')),
  };
}

/** Every two-part split, and byte by byte, must give the same outcome as the whole. */
function everySplit(raw: string, opts: { head?: boolean; eof?: boolean } = {}): Outcome {
  const bytes = Buffer.from(raw, 'latin1');
  const whole = parse([bytes], opts);
  assert.ok(!(whole instanceof Error), `whole: ${String(whole)}`);
  for (let i = 1; i < bytes.length; i++) {
    assert.deepEqual(parse([bytes.subarray(0, i), bytes.subarray(i)], opts), whole, `split at ${i}`);
  }
  const single = [...bytes].map((b) => Buffer.from([b]));
  assert.deepEqual(parse(single, opts), whole, 'byte by byte');
  return whole;
}

describe('lean response parser', () => {
  it('Content-Length body, keep-alive, exact head bytes, at every split', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\n';
    const out = everySplit(`${head}hello world`);
    assert.equal(out.status, 200);
    assert.equal(out.body, 'hello world');
    assert.equal(out.keepAlive, true);
    assert.equal(out.headBytes, head.length);
    assert.deepEqual(out.headers, ['Content-Type', 'text/plain', 'Content-Length', '11']);
  });

  it('chunked with extensions and trailers, at every split', () => {
    const raw =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n' +
      '5;name=value\r\nhello\r\n6 ; x\r\n world\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n';
    const out = everySplit(raw);
    assert.equal(out.body, 'hello world0123456789');
    assert.equal(out.consumed, raw.length);
  });

  it('skips 1xx heads (100 Continue, 103 Early Hints) before the final one', () => {
    const out = everySplit('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok');
    assert.equal(out.status, 201);
    assert.equal(out.body, 'ok');
    assert.deepEqual(out.headers, ['Content-Length', '2']);
  });

  it('HEAD, 204 and 304 have no body whatever their headers say', () => {
    assert.equal(everySplit('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n', { head: true }).body, '');
    assert.equal(everySplit('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n').status, 204);
    const notModified = Buffer.from('HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1');
    const p = new ResponseParser();
    p.reset(false);
    const at = p.execute(notModified);
    assert.ok(p.done);
    assert.equal(at, notModified.length - 'HTTP/1.1'.length, 'stops at the end of the response');
  });

  it('Connection: close and HTTP/1.0 end keep-alive; a body without length runs until the close', () => {
    assert.equal(everySplit('HTTP/1.1 200 OK\r\nConnection: Upgrade, close\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
    assert.equal(everySplit('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
    assert.equal(everySplit('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').keepAlive, true);
    const untilClose = everySplit('HTTP/1.1 200 OK\r\n\r\nall of this', { eof: true });
    assert.equal(untilClose.body, 'all of this');
    assert.equal(untilClose.keepAlive, false);
  });

  it('a response cut short by the close is not complete', () => {
    assert.equal(String(parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')], { eof: true })), 'Error: cut short');
    assert.equal(String(parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-')], { eof: true })), 'Error: cut short');
  });

  it('garbage and malformed framing → parse_error', () => {
    const cases = [
      'SSH-2.0-OpenSSH_9.2 this is not HTTP\r\n\r\n',
      'HTTP/2 200\r\n\r\n',
      'HTTP/1.1 2x0 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n',
    ];
    for (const raw of cases) {
      const out = parse([Buffer.from(raw, 'latin1')]);
      assert.ok(out instanceof Error, raw);
      assert.equal(classifyError(out).kind, 'parse_error', raw);
    }
  });

  it('a head over 16 KiB → parse_error "response headers too large", even when it arrives in pieces', () => {
    const raw = Buffer.from(`HTTP/1.1 200 OK\r\nX-Huge: ${'a'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\nok`);
    for (const parts of [[raw], [raw.subarray(0, 100), raw.subarray(100, 9000), raw.subarray(9000)]]) {
      const out = parse(parts);
      assert.ok(out instanceof Error);
      assert.deepEqual(classifyError(out), { kind: 'parse_error', message: 'response headers too large' });
    }
  });

  it('a body over maxBodyBytes → body_too_large, declared or chunked', () => {
    const declared = parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n')], { maxBody: 10 });
    assert.equal(classifyError(declared).kind, 'body_too_large');
    const chunked = parse([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n')], { maxBody: 10 });
    assert.equal(classifyError(chunked).kind, 'body_too_large');
  });

  it('is reusable: reset() starts a fresh response on the same instance', () => {
    const p = new ResponseParser();
    for (let i = 0; i < 3; i++) {
      p.reset(false);
      p.execute(Buffer.from(`HTTP/1.1 20${i} OK\r\nContent-Length: 1\r\n\r\nx`));
      assert.ok(p.done);
      assert.equal(p.status, 200 + i);
      assert.equal(p.bodyBytes, 1);
    }
  });
});
