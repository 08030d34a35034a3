/**
 * The `vertex-ar` command. The only module that reads process.env, handles signals and exits.
 * Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error (one line on stderr).
 */
import { Command, CommanderError, Option } from 'commander';
import { startServer, type RunningServer } from './server/start-server.ts';
import { serveOptionsFromFlags, UsageError, type ServeFlags } from './server/serve-config.ts';
import { openDatabase } from './db/open-database.ts';
import { ensureAdmin } from './server/admin-bootstrap.ts';
import { VertexError } from './errors.ts';
import { join, resolve } from 'node:path';

function fail(message: string, code = 2): never {
  process.stderr.write(`vertex-ar: ${message}\n`);
  process.exit(code);
}

function installSignalHandlers(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130); // a second signal: the user really wants out
    stopping = true;
    process.stderr.write(`vertex-ar: ${signal} received, shutting down\n`);
    server.close().then(() => process.exit(0), (err) => fail(`shutdown failed: ${(err as Error).message}`, 1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function serve(flags: ServeFlags): Promise<void> {
  let options;
  try {
    options = serveOptionsFromFlags(flags);
  } catch (err) {
    if (err instanceof UsageError) fail(err.message);
    throw err;
  }
  const server = await startServer({
    ...options,
    jwtSecret: process.env.JWT_SECRET || undefined,
    adminUsername: process.env.ADMIN_USERNAME || undefined,
    adminPassword: process.env.ADMIN_PASSWORD || undefined,
  }).catch((err: unknown) => {
    if (err instanceof VertexError) fail(err.message);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') fail(`port ${options.port} on ${options.host} is in use; choose another with --port`);
    if (e.code === 'EACCES') fail(`no permission to listen on ${options.host}:${options.port}`);
    throw err;
  });
  installSignalHandlers(server);
  process.stdout.write(`Vertex AR API listening on ${server.url}\nAPI docs: ${server.url}/docs\n`);
}

async function createAdmin(flags: { username: string; password: string; dataDir: string }): Promise<void> {
  const repos = await openDatabase({ sqliteFile: join(resolve(flags.dataDir), 'vertex-ar.sqlite') });
  try {
    const result = await ensureAdmin(repos, flags.username, flags.password);
    process.stdout.write(`admin ${flags.username} ${result}\n`);
  } catch (err) {
    if (err instanceof VertexError) fail(err.message);
    throw err;
  } finally {
    await repos.close();
  }
}

function buildProgram(): Command {
  const program = new Command('vertex-ar')
    .description('Vertex AR API server')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });
  const dataDir = () => new Option('--data-dir <dir>', 'data directory (database, files, JWT secret)').env('DATA_DIR').default('./data');
  program
    .command('serve')
    .description('start the API server (also reads JWT_SECRET, ADMIN_USERNAME, ADMIN_PASSWORD from the environment)')
    .addOption(new Option('--port <port>', 'port to listen on').env('PORT').default('8000'))
    .addOption(new Option('--host <host>', 'interface to bind').env('HOST').default('127.0.0.1'))
    .addOption(dataDir())
    .addOption(new Option('--workers <n>', 'worker processes, a number or "auto" (only 1 supported yet)').env('WORKERS'))
    .addOption(new Option('--preset <name>', 'tuning preset (not supported yet)').env('PRESET'))
    .addOption(new Option('--db <url>', 'sqlite:FILE (default <data-dir>/vertex-ar.sqlite) or postgres://... (not yet)').env('DATABASE_URL'))
    .addOption(new Option('--cache <url>', 'lru (default) or redis://... (not yet)').env('CACHE_URL'))
    .addOption(new Option('--storage <url>', 'local:DIR (default <data-dir>/files) or s3://BUCKET (not yet)').env('STORAGE_URL'))
    .addOption(new Option('--log', 'log every request (JSON lines on stdout)').env('VERTEX_LOG'))
    .action((flags: ServeFlags) => serve(flags));
  program
    .command('create-admin')
    .description('create or update an admin account')
    .addOption(new Option('--username <name>', 'admin username').env('ADMIN_USERNAME').makeOptionMandatory())
    .addOption(new Option('--password <password>', 'admin password (8+ characters)').env('ADMIN_PASSWORD').makeOptionMandatory())
    .addOption(dataDir())
    .action((flags: { username: string; password: string; dataDir: string }) => createAdmin(flags));
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are successes; everything else commander reports is a usage error (already printed).
    process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2);
  }
  fail((err as Error).message, 1);
}
