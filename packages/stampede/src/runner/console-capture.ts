/**
 * `console.log` and friends in user code become log lines of the run: they reach the terminal through the CLI's
 * logger (stderr, so `--json -` keeps stdout for the report) and the web UI's Logs tab. A chatty script must not eat
 * memory on the way: each line is cut before it is copied to the main thread, and a user thread passes on at most
 * CONSOLE_LINES_PER_S lines a second; the rest are counted and said once a second. The web UI keeps a ring of lines
 * (web/log-buffer.ts), so memory stays flat however much a script prints.
 */
import { formatWithOptions } from 'node:util';
import type { LogLevel } from '../logger.ts';

/** Lines a user thread passes on per second; more are dropped and counted (a script logging every request). */
export const CONSOLE_LINES_PER_S = 200;
/** Longest console line passed on, in characters (the log view cuts at the same length). */
export const CONSOLE_LINE_CHARS = 4_000;

/** Where captured lines go: the thread's log channel, source `console`. */
export type ConsoleSink = (level: LogLevel, message: string) => void;

const METHODS: ReadonlyArray<[keyof Console, LogLevel]> = [
  ['log', 'info'],
  ['info', 'info'],
  ['debug', 'debug'],
  ['trace', 'debug'],
  ['warn', 'warning'],
  ['error', 'error'],
];

/** Cuts a line at `max` characters, saying how much was left out. */
export function cutLine(text: string, max = CONSOLE_LINE_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/**
 * Replaces the printing methods of `target` (the global console of a user thread) with ones that send to `sink`,
 * bounded in length and rate. `now` is the wall clock in ms. Returns a function that puts the originals back.
 */
export function captureConsole(target: Console, sink: ConsoleSink, now: () => number = Date.now): () => void {
  const originals = new Map<keyof Console, unknown>();
  const installed = new Map<keyof Console, unknown>();
  let windowStart = now();
  let passed = 0;
  let dropped = 0;
  const flushDropped = () => {
    if (dropped > 0) sink('warning', `${dropped} console lines dropped in the last second (more than ${CONSOLE_LINES_PER_S}/s from one user thread)`);
    dropped = 0;
  };
  // A timer says how many were dropped even when the script goes quiet after a burst; unref: it never holds the thread.
  const timer = setInterval(() => {
    if (now() - windowStart >= 1000) {
      flushDropped();
      windowStart = now();
      passed = 0;
    }
  }, 1000);
  timer.unref();
  for (const [method, level] of METHODS) {
    originals.set(method, target[method]);
    const capture = (...args: unknown[]) => {
      const t = now();
      if (t - windowStart >= 1000) {
        flushDropped();
        windowStart = t;
        passed = 0;
      }
      if (passed >= CONSOLE_LINES_PER_S) {
        dropped++;
        return;
      }
      passed++;
      // Format only what is passed on: a huge object is not stringified just to be dropped.
      sink(level, cutLine(formatWithOptions({ colors: false, depth: 4 }, ...args)));
    };
    installed.set(method, capture);
    (target as unknown as Record<string, unknown>)[method] = capture;
  }
  return () => {
    clearInterval(timer);
    flushDropped();
    // Only where ours is still in place: a later capture that wrapped ours is left to restore its own.
    for (const [method, fn] of originals) {
      if (target[method] === installed.get(method)) (target as unknown as Record<string, unknown>)[method] = fn;
    }
  };
}
