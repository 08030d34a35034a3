/**
 * One direction of the protocol: append messages to a Redis stream, and read a stream in order on a dedicated
 * connection (XREAD BLOCK holds its connection). Each entry carries its sender, the sender's sequence number and
 * the message's JSON, and, with a cluster key, an HMAC-SHA256 over the run id, stream, sender, sequence and JSON.
 *
 * The reader drops, with a log line, every entry that is malformed, lacks a valid MAC when a key is set, or whose
 * sequence number is not above the last one it took from that sender: an entry resent by the Redis client after a
 * reconnect, or replayed by someone who can write to Redis, is taken once (issue #19). Entries are read once, in
 * order, from where the reader started; a Redis restart (streams gone) is read through, as new entries get ids
 * above the last one read.
 *
 * Without a cluster key nothing is authenticated, and an entry with no sender and number (`m` alone: a tool or test
 * writing the protocol by hand) is taken as it is; with a key every entry needs all of them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

/** Streams are capped (approximately) so a long run cannot grow Redis without bound. */
const STREAM_MAXLEN = 20_000;
/** Dropped entries logged one by one before the reader only counts them (a flood must not flood the log). */
const LOGGED_DROPS = 5;

/** What authenticates a run's messages: its id, and the shared key (`--cluster-key`) when there is one. */
export interface ChannelAuth {
  runId: string;
  key?: Buffer;
}

/** HMAC-SHA256 (hex) of one entry; the stream and run id are in it, so an entry is valid nowhere else. */
export function entryMac(auth: ChannelAuth & { key: Buffer }, stream: string, sender: string, seq: number, json: string): string {
  return createHmac('sha256', auth.key).update(`${auth.runId}\n${stream}\n${sender}\n${seq}\n${json}`).digest('hex');
}

function macMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

/** Appends one sender's messages to streams, numbering them 1, 2, 3 ... across every stream it writes. */
export class StreamWriter {
  readonly #redis: Redis;
  readonly #sender: string;
  readonly #auth: ChannelAuth;
  #seq = 0;

  constructor(redis: Redis, sender: string, auth: ChannelAuth) {
    this.#redis = redis;
    this.#sender = sender;
    this.#auth = auth;
  }

  /** Appends `message` to `stream` (numbered now, so the order of calls is the order of numbers). */
  async send(stream: string, message: unknown): Promise<void> {
    const seq = ++this.#seq;
    const json = JSON.stringify(message);
    const fields = ['m', json, 's', this.#sender, 'n', String(seq)];
    const { key } = this.#auth;
    if (key) fields.push('mac', entryMac({ ...this.#auth, key }, stream, this.#sender, seq, json));
    await this.#redis.xadd(stream, 'MAXLEN', '~', String(STREAM_MAXLEN), '*', ...fields);
  }
}

type Entries = [id: string, fields: string[]][];

/** Options of a {@link StreamReader}. */
export interface StreamReaderOptions {
  auth: ChannelAuth;
  /** Entry id to read after (default: the stream's start). */
  fromId?: string;
}

/** Reads `stream` and calls `onMessage` for each valid entry, with its sender, until close(). */
export class StreamReader<T> {
  readonly #redis: Redis;
  readonly #stream: string;
  readonly #onMessage: (message: T, sender: string | undefined) => void;
  readonly #logger: Logger;
  readonly #auth: ChannelAuth;
  /** Last sequence number taken from each sender. */
  readonly #lastSeq = new Map<string, number>();
  #lastId: string;
  #closed = false;
  #dropped = 0;
  readonly #loop: Promise<void>;

  /** `onMessage` gets each message with its sender (undefined: an unnumbered entry, taken only without a key). */
  constructor(base: Redis, stream: string, onMessage: (message: T, sender: string | undefined) => void, logger: Logger, options: StreamReaderOptions) {
    this.#redis = base.duplicate();
    this.#redis.on('error', () => {});
    this.#stream = stream;
    this.#onMessage = onMessage;
    this.#logger = logger;
    this.#auth = options.auth;
    this.#lastId = options.fromId ?? '0';
    this.#loop = this.#run();
  }

  /** Entries dropped so far (malformed, bad MAC, replayed). */
  get dropped(): number {
    return this.#dropped;
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      let reply: [string, Entries][] | null;
      try {
        reply = (await this.#redis.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', this.#stream, this.#lastId)) as [string, Entries][] | null;
      } catch (error) {
        if (this.#closed) return;
        this.#logger.log('warning', `reading ${this.#stream}: ${(error as Error).message}; retrying`);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          this.#lastId = id;
          this.#take(id, fields);
        }
      }
    }
  }

  #take(id: string, fields: string[]): void {
    const field = (name: string) => {
      for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
      return undefined;
    };
    const sender = field('s');
    const seq = Number(field('n'));
    const json = field('m');
    const { key } = this.#auth;
    const unnumbered = sender === undefined && field('n') === undefined && !key;
    if (json === undefined || (!unnumbered && (sender === undefined || !Number.isSafeInteger(seq) || seq < 1))) return this.#drop(id, 'malformed entry');
    if (sender !== undefined) {
      if (key && !macMatches(entryMac({ ...this.#auth, key }, this.#stream, sender, seq, json), field('mac'))) return this.#drop(id, `no valid MAC (sender ${sender.slice(0, 60)})`);
      if (seq <= (this.#lastSeq.get(sender) ?? 0)) return this.#drop(id, `replayed or repeated entry ${seq} of ${sender.slice(0, 60)}`);
    }
    let message: T;
    try {
      message = JSON.parse(json) as T;
    } catch {
      return this.#drop(id, 'not JSON');
    }
    if (typeof message !== 'object' || message === null) return this.#drop(id, 'not a message object');
    if (sender !== undefined) this.#lastSeq.set(sender, seq);
    try {
      this.#onMessage(message, sender);
    } catch (error) {
      this.#logger.log('error', `bad message on ${this.#stream}: ${(error as Error).message}`);
    }
  }

  #drop(id: string, why: string): void {
    this.#dropped++;
    if (this.#dropped <= LOGGED_DROPS) this.#logger.log('warning', `ignored entry ${id} on ${this.#stream}: ${why}`);
    else if (this.#dropped === LOGGED_DROPS + 1) this.#logger.log('warning', `ignoring more entries on ${this.#stream} without logging each`);
  }

  /** Stops reading (a blocked read is cut short) and closes the reader's connection; bounded even when Redis is down. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#redis.disconnect();
    // A read queued while the connection was reconnecting may never settle: do not wait for it forever.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#loop, new Promise((r) => (timer = setTimeout(r, 1500)))]);
    clearTimeout(timer);
  }
}
