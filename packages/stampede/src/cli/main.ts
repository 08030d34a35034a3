/**
 * The `stampede` command. The only place that reads process.argv/env, handles signals and exits.
 * Every user-facing error is one line on stderr (a stack only with --verbose / STAMPEDE_VERBOSE=1).
 */
import { Command, CommanderError } from './commander.ts';
import { levelEnabled, type Logger, type LogLevel } from '../logger.ts';
import { EXIT } from './exit-codes.ts';
import { addRunOptions, toRunOptions } from './options.ts';
import { consoleOut } from './console-out.ts';
import type { RunIo } from './run-io.ts';
import { VERSION } from './version.ts';

const verbose = process.argv.includes('--verbose') || process.env.STAMPEDE_VERBOSE === '1';
// Stack traces of user code (tasks, onStart, a script that throws at import) name the user's own files and lines:
// scripts run as esbuild bundles that carry their source map inline. Worker threads turn it on in worker-main.ts.
process.setSourceMapsEnabled(true);

function consoleLogger(threshold: LogLevel): Logger {
  return {
    log(level, message, source = 'stampede') {
      if (!levelEnabled(level, threshold)) return;
      const prefix = source === 'stampede' ? level.toUpperCase() : `${level.toUpperCase()} ${source}`;
      process.stderr.write(`${prefix}: ${message}\n`);
    },
  };
}

// Signals are handled from the first moment: before a test runs, SIGINT/SIGTERM exit at once (code 4) through
// process.exit, so exit hooks (such as deleting the built script bundle) still run; once a command registers a
// handler, the first signal stops gracefully and a second exits at once.
let onFirstSignal: (() => void) | undefined;
let signalsSeen = 0;
function onSignal(signal: NodeJS.Signals): void {
  signalsSeen++;
  if (signalsSeen === 1 && onFirstSignal) return onFirstSignal();
  process.stderr.write(`stampede: ${signalsSeen > 1 ? 'second ' : ''}${signal}, exiting at once\n`);
  process.exit(EXIT.interrupted);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

function signalHook(): RunIo['onSignal'] {
  return (handler) => {
    onFirstSignal = handler;
  };
}

/** One line: what is wrong, and how to fix it. */
function reportError(error: unknown): number {
  const e = error as { code?: string; hint?: string; message?: string; stack?: string };
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    // Commander already printed its one-line message.
    return EXIT.usage;
  }
  const known = typeof e?.code === 'string' && e.code.startsWith('STAMPEDE_ERR');
  const message = String(e?.message ?? error).split('\n')[0];
  process.stderr.write(`stampede: ${message}${e?.hint ? ` — ${e.hint}` : ''}\n`);
  if (verbose && e?.stack) process.stderr.write(`${e.stack}\n`);
  return known ? EXIT.usage : EXIT.failed;
}

const hooks = { signalHook, consoleLogger };
/**
 * Subcommands, each imported only when its name is on the command line (or for help): a run loads what it uses, not
 * the cluster's Redis client or the suites (issue #11, goal 3: ~14 MiB of a headless run).
 */
const subcommands: Record<string, (program: Command) => Promise<unknown>> = {
  init: async (p) => (await import('./init-command.ts')).addInitCommand(p),
  quick: async (p) => (await import('./quick-command.ts')).addQuickCommand(p, hooks),
  report: async (p) => (await import('./report-command.ts')).addReportCommand(p),
  compare: async (p) => (await import('./compare-command.ts')).addCompareCommand(p),
  master: async (p) => (await import('./master-command.ts')).addMasterCommand(p, hooks),
  worker: async (p) => (await import('./worker-command.ts')).addWorkerCommand(p, hooks),
  suite: async (p) => (await import('./suite-command.ts')).addSuiteCommand(p, hooks),
};

/** The subcommands `argv` may need: those it names anywhere (a superset is harmless), all for help. */
function neededSubcommands(argv: readonly string[]): string[] {
  const args = argv.slice(2);
  const help = args.length === 0 || args.some((a) => a === '-h' || a === '--help' || a === 'help');
  return Object.keys(subcommands).filter((name) => help || args.includes(name));
}

export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('stampede')
    .description('Load and performance testing for web APIs: TypeScript users, exact statistics')
    .version(VERSION)
    .option('--verbose', 'print stack traces of errors')
    // Options after a subcommand's name are the subcommand's (`report r.json --html F` is report's --html, not the
    // run's): set here, since the subcommands are loaded only when named.
    .enablePositionalOptions()
    .exitOverride()
    // One line: commander's message, and where to look.
    .configureOutput({ outputError: (text, write) => write(`${text.trim().replace(/^error: /, 'stampede: ')} (see stampede --help)\n`) });
  addRunOptions(program).action(async (userClasses: string[], raw: Record<string, unknown>) => {
    const opts = toRunOptions(raw, userClasses);
    const io: RunIo = { logger: consoleLogger(opts.logLevel), out: consoleOut(opts.json), onSignal: signalHook() };
    const { runHeadless } = await import('./run-command.ts');
    process.exitCode = await runHeadless(opts, io);
  });
  // In the order of `stampede --help`.
  for (const name of neededSubcommands(argv)) await subcommands[name]!(program);
  return program;
}

try {
  await (await buildProgram()).parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}
// Worker threads and sockets are closed by the runner; exit now so a stray handle cannot hold the process.
process.exit(process.exitCode ?? 0);
