/** What a command writes to and listens on: its logger, its output lines, and the first signal. */
import type { Logger } from '../logger.ts';

export interface RunIo {
  logger: Logger;
  out: (line: string) => void;
  /** Registers the handler for the first SIGINT/SIGTERM; the CLI exits at once on a second. */
  onSignal: (handler: () => void) => void;
}
