// Preloaded (`node --import`) into each embedded `vertex-ar serve` the suite starts (issue #19, item 8): the suite
// holds the write end of the child's stdin and never writes to it, so stdin ends exactly when the suite is gone —
// also after a SIGKILL, which runs no handler of the suite. The server then stops as on SIGTERM (SIGKILL of itself
// 10 s later if it has not exited by then). Whenever it exits with the suite gone — by this watch, or because its
// output pipes broke first — it removes its temporary data directory (STAMPEDE_SUITE_DATA_DIR).
import { readFileSync, rmSync } from 'node:fs';

const dataDir = process.env.STAMPEDE_SUITE_DATA_DIR;
// The suite's PID, read now: process.ppid is not updated when the process is adopted by another.
const suitePid = process.ppid;

/** False once the suite has exited: on Linux this process is then adopted at once (even while the suite is a zombie). */
function suiteAlive() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === suitePid;
  } catch {
    try {
      process.kill(suitePid, 0);
      return true;
    } catch (error) {
      return error.code === 'EPERM';
    }
  }
}

/** The suite's end of stdin closed: it is gone, or going (its files close before this process is adopted). */
let stdinEnded = false;
process.once('exit', () => {
  if (!dataDir || !(stdinEnded || !suiteAlive())) return;
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(`${dataDir}.owner`, { force: true });
});
const stdin = process.stdin;
stdin.on('end', () => {
  stdinEnded = true;
  // Its stdout and stderr were pipes to the suite too: writing the shutdown lines must not crash the shutdown.
  for (const out of [process.stdout, process.stderr]) out.on('error', () => {});
  // Still loading, with no SIGTERM handler of its own yet: the signal would end it without the exit hook above.
  if (process.listenerCount('SIGTERM') === 0) process.exit(1);
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 10_000).unref();
});
stdin.on('error', () => {});
stdin.resume();
// The pipe alone must not keep the server alive once it closes normally.
stdin.unref?.();
