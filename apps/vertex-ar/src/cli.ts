/**
 * The `vertex-ar` command. The only module that reads process.env, handles signals and exits.
 * Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error (one line on stderr).
 */
import cluster from 'node:cluster';
import { Command, CommanderError, Option } from 'commander';
import { serveOptionsFromFlags, UsageError, type AwsEnvironment, type ServeFlags } from './server/config/serve-config.ts';
import { tuningView } from './server/config/tuning.ts';
import { VertexError } from './errors.ts';
import { join, resolve } from 'node:path';

function fail(message: string, code = 2): never {
  process.stderr.write(`vertex-ar: ${message}\n`);
  process.exit(code);
}

/** SIGTERM/SIGINT: graceful close, exit 0 (1 if the timeout had to cut connections). */
function installSignalHandlers(close: () => Promise<boolean>, options: { quiet?: boolean; exitOnSecond?: boolean } = {}): () => void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      if (options.exitOnSecond) process.exit(130); // a second signal: the user really wants out
      return;
    }
    stopping = true;
    if (!options.quiet) process.stderr.write(`vertex-ar: ${signal} received, shutting down\n`);
    close().then((graceful) => process.exit(graceful ? 0 : 1), (err) => fail(`shutdown failed: ${(err as Error).message}`, 1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return () => stop('disconnect');
}

function awsEnvironment(): AwsEnvironment {
  const env = process.env;
  const forcePathStyle = env.AWS_S3_FORCE_PATH_STYLE;
  return {
    endpoint: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    forcePathStyle: forcePathStyle === undefined ? undefined : forcePathStyle === 'true' || forcePathStyle === '1',
  };
}

function startFailure(err: unknown, port: number | undefined, host: string | undefined): never {
  if (err instanceof VertexError) fail(err.message);
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') fail(`port ${port} on ${host} is in use; choose another with --port`);
  if (e.code === 'EACCES') fail(`no permission to listen on ${host}:${port}`);
  if (e.code === 'ECONNREFUSED') fail(`cannot connect to a backend (${e.message}); is it running?`);
  fail((err as Error).message, 1);
}

async function serve(flags: ServeFlags): Promise<void> {
  let options;
  try {
    options = serveOptionsFromFlags(flags, awsEnvironment());
  } catch (err) {
    if (err instanceof UsageError) fail(err.message);
    throw err;
  }
  const full = {
    ...options,
    jwtSecret: process.env.JWT_SECRET || undefined,
    adminUsername: process.env.ADMIN_USERNAME || undefined,
    adminPassword: process.env.ADMIN_PASSWORD || undefined,
    cachePrefix: process.env.CACHE_PREFIX || undefined,
  };
  // The server modules load only now: a usage error or --help answers without paying for them.
  if (cluster.isWorker) {
    const { runWorker } = await import('./server/process/cluster-worker.ts');
    const server = await runWorker(full);
    // An orphaned worker would keep serving with no one to replace or stop it.
    process.on('disconnect', installSignalHandlers(() => server.close(), { quiet: true }));
    return;
  }
  const tuning = options.tuning!;
  const backends = { db: options.postgresUrl ? 'postgres' : 'sqlite', cache: options.cacheUrl === 'none' ? 'none' : options.cacheUrl ? 'redis' : 'lru', storage: options.s3 ? 's3' : 'local' };
  const shown = Object.entries({ ...tuningView(tuning), ...backends }).map(([k, v]) => `${k}=${v}`).join(' ');
  process.stdout.write(`vertex-ar: settings ${shown}\n`);
  const log = (message: string) => process.stderr.write(`vertex-ar: ${message}\n`);
  const start = tuning.workers > 1
    ? import('./server/process/cluster-primary.ts').then(({ runPrimary }) => runPrimary(full, { log }))
    : import('./server/process/start-server.ts').then(({ startServer }) => startServer(full));
  const running = await start.catch((err: unknown) =>
    startFailure(err, options.port, options.host));
  installSignalHandlers(() => running.close(), { exitOnSecond: true });
  const how = tuning.workers > 1 ? ` (${tuning.workers} workers)` : '';
  process.stdout.write(`Vertex AR API listening on ${running.url}${how}\nAPI docs: ${running.url}/docs\n`);
}

interface CreateAdminFlags {
  username: string;
  password: string;
  dataDir: string;
  promote?: boolean;
}

const CREATE_ADMIN_OUTCOME = {
  created: 'created',
  promoted: 'promoted (its earlier tokens are revoked)',
  updated: 'updated with the new password (its earlier tokens are revoked)',
  unchanged: 'unchanged (already an admin with this password)',
} as const;

async function createAdmin(flags: CreateAdminFlags): Promise<void> {
  const { openDatabase } = await import('./db/open-database.ts');
  const { ensureAdmin } = await import('./server/bootstrap/admin-bootstrap.ts');
  const db = process.env.DATABASE_URL;
  const repos = await openDatabase(db && /^postgres(ql)?:\/\//.test(db)
    ? { postgresUrl: db }
    : { sqliteFile: db?.startsWith('sqlite:') ? resolve(db.slice(7)) : join(resolve(flags.dataDir), 'vertex-ar.sqlite') });
  try {
    const result = await ensureAdmin(repos, flags.username, flags.password, { promote: flags.promote });
    process.stdout.write(`admin ${flags.username} ${CREATE_ADMIN_OUTCOME[result]}\n`);
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
    // Wide enough that no "(env: NAME)" is split over two lines, whatever the terminal.
    .configureHelp({ helpWidth: 200 })
    .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });
  const dataDir = () => new Option('--data-dir <dir>', 'data directory (database, files, JWT secret)').env('DATA_DIR').default('./data');
  const opt = (flags: string, help: string, env: string) => new Option(flags, help).env(env);
  program
    .command('serve')
    .description('start the API server (also reads JWT_SECRET, ADMIN_USERNAME, ADMIN_PASSWORD, CACHE_PREFIX and the AWS_* variables)')
    .addOption(opt('--port <port>', 'port to listen on', 'PORT').default('8000'))
    .addOption(opt('--host <host>', 'interface to bind', 'HOST').default('127.0.0.1'))
    .addOption(dataDir())
    .addOption(opt('--workers <n>', 'worker processes: a number (1 = no cluster), or "auto" = 2 x cores + 1 (default: one per available core)', 'WORKERS'))
    .addOption(opt('--preset <name>', 'tuning preset: high-traffic, memory-constrained, long-running (flags override it)', 'PRESET'))
    .addOption(opt('--keep-alive-timeout <s>', 'idle keep-alive connection timeout in seconds (default 5)', 'KEEP_ALIVE_TIMEOUT'))
    .addOption(opt('--concurrency <n>', 'requests per worker at once, past it 503 + Retry-After; 0 = unlimited (default 0)', 'CONCURRENCY_LIMIT'))
    .addOption(opt('--backlog <n>', 'listen backlog (default 2048)', 'BACKLOG'))
    .addOption(opt('--graceful-timeout <s>', 'seconds to finish in-flight requests on SIGTERM (default 30)', 'GRACEFUL_TIMEOUT'))
    .addOption(opt('--db <url>', 'sqlite:FILE (default <data-dir>/vertex-ar.sqlite) or postgres://...', 'DATABASE_URL'))
    .addOption(opt('--db-pool-size <n>', 'PostgreSQL connections per worker (default 10)', 'DB_POOL_SIZE'))
    .addOption(opt('--db-acquire-timeout <ms>', 'PostgreSQL: wait for a free connection before 503 (default 5000)', 'DB_ACQUIRE_TIMEOUT_MS'))
    .addOption(opt('--slow-query-ms <ms>', 'log queries slower than this with their EXPLAIN plan; -1 disables (default 250)', 'SLOW_QUERY_MS'))
    .addOption(opt('--cache <url>', 'lru (default, in-process), redis://..., or none (no caching, to measure what it buys)', 'CACHE_URL'))
    .addOption(opt('--cache-size <n>', 'LRU size bound in entries (default 10000)', 'CACHE_SIZE'))
    .addOption(opt('--cache-ttl <s>', 'cache entry lifetime in seconds (default 60)', 'CACHE_TTL'))
    .addOption(opt('--cache-timeout-ms <ms>', 'Redis: an operation slower than this is bypassed, the request served from the database (default 50)', 'CACHE_TIMEOUT_MS'))
    .addOption(opt('--cache-breaker-threshold <n>', 'Redis: consecutive failures that open the circuit breaker (default 5)', 'CACHE_BREAKER_THRESHOLD'))
    .addOption(opt('--cache-breaker-cooldown-ms <ms>', 'Redis: how long the open circuit keeps requests off Redis before a probe (default 5000)', 'CACHE_BREAKER_COOLDOWN_MS'))
    .addOption(opt('--storage <url>', 'local:DIR (default <data-dir>/files) or s3://BUCKET[/PREFIX]', 'STORAGE_URL'))
    .addOption(opt('--log', 'log every request (JSON lines on stdout)', 'VERTEX_LOG'))
    .action((flags: ServeFlags) => serve(flags));
  program
    .command('create-admin')
    .description('create an admin account, or set an existing admin\'s password (revoking its tokens); an existing non-admin account needs --promote')
    .addOption(new Option('--username <name>', 'admin username').env('ADMIN_USERNAME').makeOptionMandatory())
    .addOption(new Option('--password <password>', 'admin password (8+ characters)').env('ADMIN_PASSWORD').makeOptionMandatory())
    .addOption(new Option('--promote', 'make an existing non-admin account an admin, with this password, and revoke its tokens'))
    .addOption(dataDir())
    .action((flags: CreateAdminFlags) => createAdmin(flags));
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
