/**
 * The server side of RFC 6455, as much as the live AR updates need: the opening handshake (with subprotocol
 * choice), text and binary messages (fragmented ones reassembled), ping/pong, and the closing handshake. No
 * extensions (permessage-deflate is not offered). A minimal implementation of its own because the API's
 * dependencies carry no WebSocket server, and its needs are a few hundred bytes of JSON per change.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Largest message accepted from a client, bytes: viewers send pings, not payloads. */
const MAX_MESSAGE_BYTES = 64 * 1024;

const enum Opcode {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xa,
}

/** Refuse an upgrade with a plain HTTP answer (the connection then closes). */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function headerOf(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/**
 * Complete the opening handshake of `req` (an 'upgrade' event's request) and return the connection, or answer 400
 * and return undefined when it is not a valid WebSocket upgrade. `subprotocols`: the ones this endpoint speaks,
 * the first the client offers of them is chosen.
 */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, subprotocols: readonly string[] = []): ServerWebSocket | undefined {
  const key = headerOf(req, 'sec-websocket-key');
  const upgrade = headerOf(req, 'upgrade').toLowerCase();
  if (req.method !== 'GET' || upgrade !== 'websocket' || headerOf(req, 'sec-websocket-version') !== '13' || !/^[A-Za-z0-9+/]{22}==$/.test(key)) {
    refuseUpgrade(socket, 400, 'Bad Request');
    return undefined;
  }
  const offered = headerOf(req, 'sec-websocket-protocol').split(',').map((p) => p.trim()).filter(Boolean);
  const chosen = offered.find((p) => subprotocols.includes(p));
  const accept = createHash('sha1').update(key + HANDSHAKE_GUID).digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n${chosen ? `Sec-WebSocket-Protocol: ${chosen}\r\n` : ''}\r\n`,
  );
  return new ServerWebSocket(socket, head, chosen ?? '');
}

/** Encode one unmasked (server → client) frame. */
function frame(opcode: Opcode, payload: Buffer): Buffer {
  const n = payload.length;
  const size = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(size + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = n;
  else if (n < 65_536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(out, size);
  return out;
}

/**
 * One accepted connection. Events: `message` (string for text, Buffer for binary) and `close` (code), once.
 */
export class ServerWebSocket extends EventEmitter<{ message: [string | Buffer]; close: [number] }> {
  readonly protocol: string;
  private pending: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode: Opcode = Opcode.Text;
  private fragmentBytes = 0;
  private closing = false;
  private closeCode = 1006;

  constructor(private readonly socket: Duplex, head: Buffer, protocol: string) {
    super();
    this.protocol = protocol;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.emit('close', this.closeCode));
    if (head.length > 0) this.receive(head);
  }

  /** True until a close began (either side). */
  get open(): boolean {
    return !this.closing && !this.socket.destroyed;
  }

  send(data: string | Buffer): void {
    if (!this.open) return;
    this.socket.write(typeof data === 'string' ? frame(Opcode.Text, Buffer.from(data)) : frame(Opcode.Binary, data));
  }

  /** Start the closing handshake; the socket ends once the client answers (or after 2 s). */
  close(code = 1000, reason = ''): void {
    if (this.closing) return;
    this.closing = true;
    this.closeCode = code;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    if (!this.socket.destroyed) this.socket.write(frame(Opcode.Close, payload));
    setTimeout(() => this.socket.destroy(), 2_000).unref();
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 2) {
      const b0 = this.pending[0]!;
      const b1 = this.pending[1]!;
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.pending.length < 4) return;
        length = this.pending.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.pending.length < 10) return;
        const long = this.pending.readBigUInt64BE(2);
        length = long > BigInt(MAX_MESSAGE_BYTES) ? MAX_MESSAGE_BYTES + 1 : Number(long);
        offset = 10;
      }
      // Clients must mask every frame (RFC 6455 §5.1); an oversized one is refused before it is buffered.
      if ((b1 & 0x80) === 0) return this.fail(1002);
      if (length > MAX_MESSAGE_BYTES) return this.fail(1009);
      if (this.pending.length < offset + 4 + length) return;
      const mask = this.pending.subarray(offset, offset + 4);
      const payload = Buffer.from(this.pending.subarray(offset + 4, offset + 4 + length));
      for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
      this.pending = this.pending.subarray(offset + 4 + length);
      this.handle((b0 & 0x80) !== 0, (b0 & 0x0f) as Opcode, payload);
    }
  }

  private handle(fin: boolean, opcode: Opcode, payload: Buffer): void {
    switch (opcode) {
      case Opcode.Text:
      case Opcode.Binary:
      case Opcode.Continuation: {
        if (opcode !== Opcode.Continuation) {
          this.fragments = [];
          this.fragmentBytes = 0;
          this.fragmentOpcode = opcode;
        }
        this.fragmentBytes += payload.length;
        if (this.fragmentBytes > MAX_MESSAGE_BYTES) return this.fail(1009);
        this.fragments.push(payload);
        if (!fin) return;
        const whole = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
        this.fragments = [];
        if (!this.closing) this.emit('message', this.fragmentOpcode === Opcode.Text ? whole.toString('utf8') : whole);
        return;
      }
      case Opcode.Ping:
        if (!this.closing) this.socket.write(frame(Opcode.Pong, payload));
        return;
      case Opcode.Pong:
        return;
      case Opcode.Close: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        if (!this.closing) {
          // The client began: answer with its code (1005 "no code" is never sent on the wire).
          this.close(code === 1005 ? 1000 : code);
        }
        this.closeCode = code;
        this.socket.end();
        return;
      }
      default:
        this.fail(1002);
    }
  }

  private fail(code: number): void {
    this.close(code);
    this.socket.end();
  }
}
