/**
 * One direction of the protocol: append JSON messages to a Redis stream, and read a stream in order on a
 * dedicated connection (XREAD BLOCK holds its connection). Entries are read once, in order, from where the reader
 * started, so no message is seen twice and none is skipped while the connection lives.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

/** Streams are capped (approximately) so a long run cannot grow Redis without bound. */
const STREAM_MAXLEN = 20_000;

/** Appends one message to `stream`. */
export async function sendMessage(redis: Redis, stream: string, message: unknown): Promise<void> {
  await redis.xadd(stream, 'MAXLEN', '~', String(STREAM_MAXLEN), '*', 'm', JSON.stringify(message));
}

type Entries = [id: string, fields: string[]][];

/** Reads `stream` from `fromId` (default: its start) and calls `onMessage` for each entry, until close(). */
export class StreamReader<T> {
  readonly #redis: Redis;
  readonly #stream: string;
  readonly #onMessage: (message: T) => void;
  readonly #logger: Logger;
  #lastId: string;
  #closed = false;
  readonly #loop: Promise<void>;

  constructor(base: Redis, stream: string, onMessage: (message: T) => void, logger: Logger, fromId = '0') {
    this.#redis = base.duplicate();
    this.#redis.on('error', () => {});
    this.#stream = stream;
    this.#onMessage = onMessage;
    this.#logger = logger;
    this.#lastId = fromId;
    this.#loop = this.#run();
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
          const json = fields[fields.indexOf('m') + 1];
          if (json === undefined) continue;
          try {
            this.#onMessage(JSON.parse(json) as T);
          } catch (error) {
            this.#logger.log('error', `bad message on ${this.#stream}: ${(error as Error).message}`);
          }
        }
      }
    }
  }

  /** Stops reading (a blocked read is cut short) and closes the reader's connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#redis.disconnect();
    await this.#loop;
  }
}
