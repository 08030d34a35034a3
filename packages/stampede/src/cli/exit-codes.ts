/** Exit codes of every command (docs/exit-codes.md). A module of its own so `stampede --help` loads no command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, aborted: 3, interrupted: 4, workerLost: 5, inconclusive: 6 } as const;
