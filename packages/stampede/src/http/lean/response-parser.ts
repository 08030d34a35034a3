/**
 * Incremental HTTP/1.x response parser for the lean path (RFC 9112). One instance per connection, reset per
 * request, fed socket chunks as they arrive: any split of the bytes gives the same result.
 *
 * Why our own and not llhttp (node:http) or http-parser-js (autocannon): the hot loop needs three header facts
 * (status, framing, keep-alive) and no header objects. Lines are scanned byte by byte in place; a line split
 * across chunks is copied once into a scratch buffer, allocated the first time a line is split and grown to what it
 * needs (at most the head limit): most connections never need one, so 1,000 idle users do not hold 16 KiB each.
 * It cannot be shared per thread: a split line waits in it for the connection's next chunk. Nothing is allocated
 * per response unless `collect` asks for the headers and the body (the scripted session does; `stampede quick`
 * does not).
 *
 * In collect mode the body counts against the thread's budget of bodies in flight (body-budget.ts, issue 12), as
 * on the undici path: the owner releases `bodyBytes` when it is done with the response (see LeanExchange).
 *
 * Framing (RFC 9112 §6.3): HEAD, 1xx, 204 and 304 have no body; Transfer-Encoding ending in chunked → chunked
 * (extensions and trailers skipped); else Content-Length; else the body runs until the server closes.
 */
import { BODY_BUDGET_BYTES, reserveBodyBytes } from '../body-budget.ts';
import { BodyBudgetError, BodyTooLargeError, ResponseParseError } from '../errors.ts';

const enum State {
  StatusLine,
  HeaderLine,
  Body,
  BodyUntilClose,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailer,
  Done,
  Failed,
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;

/** Default largest response head, bytes (Node's and undici's 16 KiB). */
export const DEFAULT_MAX_HEAD_BYTES = 16 * 1024;
/** First size of the scratch buffer for split lines, bytes (a status line or a typical header fits). */
const MIN_LINE_BYTES = 256;

function lowerIs(buf: Uint8Array, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if ((buf[start + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** Does the comma-separated list in buf[start, end) contain `token` (case-insensitive)? */
function hasToken(buf: Uint8Array, start: number, end: number, token: string): boolean {
  let s = start;
  for (let i = start; i <= end; i++) {
    if (i === end || buf[i] === 0x2c) {
      let a = s;
      let b = i;
      while (a < b && (buf[a] === 0x20 || buf[a] === 0x09)) a++;
      while (b > a && (buf[b - 1] === 0x20 || buf[b - 1] === 0x09)) b--;
      if (lowerIs(buf, a, b, token)) return true;
      s = i + 1;
    }
  }
  return false;
}

/** Options of a ResponseParser. */
export interface ResponseParserOptions {
  /** Largest response head (status line + headers), bytes. Default 16 KiB. */
  maxHeadBytes?: number;
}

/** Parses one response at a time. Read the public fields once `execute()` reports completion. */
export class ResponseParser {
  /** Final status code (1xx heads are skipped). */
  status = 0;
  /** Bytes of the final head as received (status line to blank line, CRLFs included), plus skipped 1xx heads. */
  headBytes = 0;
  /** Body bytes (chunked: payload only). */
  bodyBytes = 0;
  /** Whether the connection may carry another request after this response. */
  keepAlive = true;
  /** True once the head is complete (the body may still be coming). */
  headComplete = false;
  /** The failure, when execute() returned -1. */
  error: Error | null = null;
  /** collect mode: header names and values, alternating (undici's raw header shape). */
  rawHeaders: Buffer[] | null = null;
  /**
   * collect mode: body chunks (views of the socket's buffers, which Node never reuses). Their bytes are reserved in
   * the thread's body budget; `bodyBytes` says how many to release.
   */
  bodyChunks: Buffer[] | null = null;
  private state = State.StatusLine;
  private noBody = false;
  private collect = false;
  private maxBodyBytes = Infinity;
  private contentLength = -1;
  private chunked = false;
  private remaining = 0;
  /** Scratch for a line split across chunks: null until one is (see the top comment). */
  private line: Buffer | null = null;
  private lineLen = 0;
  private readonly maxHeadBytes: number;

  constructor(options: ResponseParserOptions = {}) {
    this.maxHeadBytes = options.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES;
  }

  /**
   * Get ready for the response to a new request.
   * @param isHead the request was HEAD: the response has no body whatever its headers say
   * @param collect keep header buffers and body chunks (for user code); false in the raw hot loop
   * @param maxBodyBytes larger bodies fail with BodyTooLargeError
   */
  reset(isHead: boolean, collect = false, maxBodyBytes = Infinity): void {
    this.status = 0;
    this.headBytes = 0;
    this.bodyBytes = 0;
    this.keepAlive = true;
    this.headComplete = false;
    this.error = null;
    this.state = State.StatusLine;
    this.noBody = isHead;
    this.collect = collect;
    this.maxBodyBytes = maxBodyBytes;
    this.contentLength = -1;
    this.chunked = false;
    this.remaining = 0;
    this.lineLen = 0;
    this.rawHeaders = collect ? [] : null;
    this.bodyChunks = collect ? [] : null;
  }

  /** Forget the collected headers and body (the owner has taken them): an idle connection holds no body. */
  dropCollected(): void {
    this.rawHeaders = null;
    this.bodyChunks = null;
  }

  /** True when the response is complete. */
  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * Feed bytes. Returns the index just past the end of the response once it is complete, `end` when more bytes
   * are needed, or -1 on a malformed response (see `error`).
   */
  execute(buf: Buffer, start = 0, end = buf.length): number {
    let pos = start;
    while (pos < end) {
      const state = this.state;
      if (state === State.Body || state === State.ChunkData) {
        const n = Math.min(this.remaining, end - pos);
        if (!this.takeBody(buf, pos, pos + n)) return -1;
        pos += n;
        this.remaining -= n;
        if (this.remaining === 0) {
          if (state === State.Body) return this.complete(pos);
          this.state = State.ChunkDataEnd;
        }
        continue;
      }
      if (state === State.BodyUntilClose) {
        if (!this.takeBody(buf, pos, end)) return -1;
        return end;
      }
      if (state === State.Done || state === State.Failed) return state === State.Done ? pos : -1;
      // A line state: find the LF.
      let nl = pos;
      while (nl < end && buf[nl] !== LF) nl++;
      const counted = state === State.StatusLine || state === State.HeaderLine;
      if (nl === end) {
        if (!this.stash(buf, pos, end, counted)) return -1;
        return end;
      }
      if (counted) this.headBytes += nl + 1 - pos;
      if (counted && this.headBytes > this.maxHeadBytes) return this.fail('response headers too large');
      let ok: boolean;
      if (this.lineLen > 0) {
        if (!this.stash(buf, pos, nl, false)) return -1;
        const line = this.line!;
        ok = this.onLine(line, 0, this.trimCr(line, 0, this.lineLen));
        this.lineLen = 0;
      } else {
        ok = this.onLine(buf, pos, this.trimCr(buf, pos, nl));
      }
      pos = nl + 1;
      if (!ok) return -1;
      if (this.state === State.Done) return pos;
    }
    return end;
  }

  /**
   * The server closed the connection. Returns true when that completes the response (a body delimited by the
   * close); false when the response was cut short.
   */
  finishOnEof(): boolean {
    if (this.state === State.BodyUntilClose) {
      this.keepAlive = false;
      this.state = State.Done;
      return true;
    }
    return this.state === State.Done;
  }

  private trimCr(buf: Uint8Array, start: number, end: number): number {
    return end > start && buf[end - 1] === CR ? end - 1 : end;
  }

  private stash(buf: Buffer, start: number, end: number, counted: boolean): boolean {
    if (counted) this.headBytes += end - start;
    const need = this.lineLen + (end - start);
    if (need > this.maxHeadBytes + 2) return this.fail('response headers too large') !== -1;
    let line = this.line;
    if (line === null || need > line.length) line = this.growLine(need);
    buf.copy(line, this.lineLen, start, end);
    this.lineLen = need;
    return true;
  }

  /** A scratch buffer of at least `need` bytes (doubling, capped at the head limit), keeping the pending line. */
  private growLine(need: number): Buffer {
    const old = this.line;
    const size = Math.min(this.maxHeadBytes + 2, Math.max(need, MIN_LINE_BYTES, old === null ? 0 : old.length * 2));
    const line = Buffer.allocUnsafe(size);
    if (old !== null && this.lineLen > 0) old.copy(line, 0, 0, this.lineLen);
    this.line = line;
    return line;
  }

  private fail(reason: string): -1 {
    this.state = State.Failed;
    this.error = new ResponseParseError(reason);
    return -1;
  }

  private complete(pos: number): number {
    this.state = State.Done;
    return pos;
  }

  private takeBody(buf: Buffer, start: number, end: number): boolean {
    const n = end - start;
    if (this.bodyBytes + n > this.maxBodyBytes) {
      this.state = State.Failed;
      this.error = new BodyTooLargeError(this.maxBodyBytes);
      return false;
    }
    if (this.collect && n > 0) {
      // Same rule and error as Exchange.onData: the chunk that would cross the thread's budget fails the response.
      if (!reserveBodyBytes(n)) {
        this.state = State.Failed;
        this.error = new BodyBudgetError(BODY_BUDGET_BYTES);
        return false;
      }
      this.bodyChunks!.push(buf.subarray(start, end));
    }
    this.bodyBytes += n;
    return true;
  }

  /** One line without its CRLF. Returns false on a malformed line (state Failed). */
  private onLine(buf: Buffer, start: number, end: number): boolean {
    switch (this.state) {
      case State.StatusLine:
        return this.onStatusLine(buf, start, end);
      case State.HeaderLine:
        return end === start ? this.onHeadEnd() : this.onHeader(buf, start, end);
      case State.ChunkSize:
        return this.onChunkSize(buf, start, end);
      case State.ChunkDataEnd:
        if (end !== start) return this.fail('chunk not followed by CRLF') !== -1;
        this.state = State.ChunkSize;
        return true;
      case State.Trailer:
        if (end === start) this.state = State.Done; // trailer fields are skipped (RFC 9112 §7.1.2)
        return true;
      default:
        return this.fail('unexpected state') !== -1;
    }
  }

  // "HTTP/1.1 200 OK": RFC 9112 §4.
  private onStatusLine(buf: Buffer, start: number, end: number): boolean {
    if (end === start && this.status === 0 && this.headBytes <= 2) return true; // tolerate a stray CRLF
    if (
      end - start < 12 ||
      buf[start] !== 0x48 || buf[start + 1] !== 0x54 || buf[start + 2] !== 0x54 || buf[start + 3] !== 0x50 ||
      buf[start + 4] !== 0x2f || buf[start + 5] !== 0x31 || buf[start + 6] !== 0x2e || buf[start + 8] !== 0x20 ||
      (end - start > 12 && buf[start + 12] !== 0x20)
    ) {
      return this.fail('invalid status line') !== -1;
    }
    const minor = buf[start + 7]! - 0x30;
    const d0 = buf[start + 9]! - 0x30;
    const d1 = buf[start + 10]! - 0x30;
    const d2 = buf[start + 11]! - 0x30;
    if (minor < 0 || minor > 1 || d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
      return this.fail('invalid status line') !== -1;
    }
    this.status = d0 * 100 + d1 * 10 + d2;
    this.keepAlive = minor === 1; // HTTP/1.0: close unless "Connection: keep-alive"
    this.contentLength = -1;
    this.chunked = false;
    if (this.collect) this.rawHeaders = [];
    this.state = State.HeaderLine;
    return true;
  }

  private onHeader(buf: Buffer, start: number, end: number): boolean {
    if (buf[start] === 0x20 || buf[start] === 0x09) return this.fail('obsolete header line folding') !== -1;
    let colon = start;
    while (colon < end && buf[colon] !== COLON) colon++;
    if (colon === end || colon === start) return this.fail('header line without a name') !== -1;
    let vs = colon + 1;
    let ve = end;
    while (vs < ve && (buf[vs] === 0x20 || buf[vs] === 0x09)) vs++;
    while (ve > vs && (buf[ve - 1] === 0x20 || buf[ve - 1] === 0x09)) ve--;
    const nameLen = colon - start;
    if (nameLen === 14 && lowerIs(buf, start, colon, 'content-length')) {
      let n = 0;
      for (let i = vs; i < ve; i++) {
        const d = buf[i]! - 0x30;
        if (d < 0 || d > 9) return this.fail('invalid content-length') !== -1;
        n = n * 10 + d;
      }
      if (ve === vs || (this.contentLength !== -1 && this.contentLength !== n)) return this.fail('invalid content-length') !== -1;
      this.contentLength = n;
    } else if (nameLen === 17 && lowerIs(buf, start, colon, 'transfer-encoding')) {
      // The last coding decides (RFC 9112 §6.3): "gzip, chunked" is chunked.
      this.chunked = ve - vs >= 7 && lowerIs(buf, ve - 7, ve, 'chunked');
      if (!this.chunked) this.contentLength = -2; // some other coding: read until close
    } else if (nameLen === 10 && lowerIs(buf, start, colon, 'connection')) {
      if (hasToken(buf, vs, ve, 'close')) this.keepAlive = false;
      else if (hasToken(buf, vs, ve, 'keep-alive')) this.keepAlive = true;
    }
    if (this.collect) {
      // Views of the socket's chunk (Node never reuses it); copies of a line split across chunks, which lives in
      // the scratch buffer that the next split line overwrites.
      const name = buf.subarray(start, colon);
      const value = buf.subarray(vs, ve);
      if (buf === this.line) this.rawHeaders!.push(Buffer.from(name), Buffer.from(value));
      else this.rawHeaders!.push(name, value);
    }
    return true;
  }

  private onHeadEnd(): boolean {
    const status = this.status;
    if (status < 200) {
      if (status === 101) return this.fail('protocol switch (101) is not supported') !== -1;
      this.state = State.StatusLine; // 1xx: the final head follows (RFC 9110 §15.2)
      return true;
    }
    this.headComplete = true;
    if (this.noBody || status === 204 || status === 304) {
      this.state = State.Done;
      return true;
    }
    if (this.chunked) {
      this.state = State.ChunkSize;
      return true;
    }
    const length = this.contentLength;
    if (length >= 0) {
      if (length > this.maxBodyBytes) {
        this.state = State.Failed;
        this.error = new BodyTooLargeError(this.maxBodyBytes);
        return false;
      }
      this.remaining = length;
      this.state = length === 0 ? State.Done : State.Body;
      return true;
    }
    this.keepAlive = false;
    this.state = State.BodyUntilClose;
    return true;
  }

  // chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1)
  private onChunkSize(buf: Buffer, start: number, end: number): boolean {
    let size = 0;
    let i = start;
    for (; i < end; i++) {
      const c = buf[i]! | 0x20;
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
      if (d < 0) break;
      size = size * 16 + d;
    }
    if (i === start || size > Number.MAX_SAFE_INTEGER / 16) return this.fail('invalid chunk size') !== -1;
    while (i < end && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
    if (i < end && buf[i] !== 0x3b) return this.fail('invalid chunk size') !== -1;
    if (size === 0) {
      this.state = State.Trailer;
      return true;
    }
    this.remaining = size;
    this.state = State.ChunkData;
    return true;
  }
}
