/** The log view's lines: a bounded ring (memory stays flat on a 24-hour run), numbered so clients catch up. */
import { levelEnabled, type Logger, type LogLevel } from '../logger.ts';
import { RingBuffer } from '../stats/ring-buffer.ts';
import type { LogLine } from './api-types.ts';

/** Longest message kept, in characters (a user's runaway log line must not bloat every client). */
const MAX_MESSAGE_CHARS = 4_000;

/** Keeps the last `capacity` log lines. */
export class LogBuffer {
  readonly #ring: RingBuffer<LogLine>;
  #seq = 0;

  /** @param capacity lines kept (default 1,000) */
  constructor(capacity = 1_000) {
    this.#ring = new RingBuffer(capacity);
  }

  /** Appends a line. */
  add(level: LogLevel, message: string, source = 'stampede', time = Date.now()): void {
    const text = message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message;
    this.#ring.push({ seq: ++this.#seq, time, level, source, message: text });
  }

  /** Lines with a sequence number above `afterSeq`, oldest first. */
  since(afterSeq = 0): LogLine[] {
    return this.#ring.toArray().filter((l) => l.seq > afterSeq);
  }

  /** Sequence number of the newest line (0 when none). */
  get lastSeq(): number {
    return this.#seq;
  }

  /** A logger that records lines at `threshold` or above into this buffer and passes every line on to `next`. */
  tee(next: Logger, threshold: LogLevel = 'info'): Logger {
    return {
      log: (level, message, source) => {
        if (levelEnabled(level, threshold)) this.add(level, message, source);
        next.log(level, message, source);
      },
    };
  }
}
