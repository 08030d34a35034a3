/**
 * Opening the Redis connection of a master or worker from a `redis://` / `rediss://` URL (password, database and
 * TLS come from the URL). The first connection attempt fails fast and is classified once: a refused password is
 * STAMPEDE_ERR_REDIS_AUTH, anything else STAMPEDE_ERR_REDIS_CONNECT. After that ioredis reconnects on its own.
 */
import { Redis } from 'ioredis';
import { ClusterError } from './errors.ts';

/** The URL with its password replaced by `***`, for log lines and error messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return '<invalid URL>';
  }
}

function checkRedisUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ClusterError('STAMPEDE_ERR_REDIS_URL', `--redis '${redactRedisUrl(url)}' is not a URL`, 'write it like redis://:password@host:6379/0');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new ClusterError('STAMPEDE_ERR_REDIS_URL', `--redis must be redis:// or rediss://, got ${u.protocol}//`, 'write it like redis://:password@host:6379/0');
  }
}

const AUTH_REFUSED = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i;

/**
 * Connects and checks the connection with a PING. Rejects with a ClusterError on a refused password or an
 * unreachable server, within `connectTimeoutMs` (default 5000).
 */
export async function connectRedis(url: string, options: { name: string; connectTimeoutMs?: number }): Promise<Redis> {
  checkRedisUrl(url);
  let connected = false;
  let firstError: Error | undefined;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    // No retries until the first connection worked: a wrong password or host must fail at once, not loop. After
    // that, every 0.5 s at most: master and workers are back within about that of Redis (issue #19).
    retryStrategy: (times) => (connected ? Math.min(times * 100, 500) : null),
    maxRetriesPerRequest: null,
  });
  redis.on('error', (error: Error) => {
    firstError ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
    connected = true;
    return redis;
  } catch (error) {
    redis.disconnect();
    const cause = firstError ?? (error as Error);
    const where = redactRedisUrl(url);
    if (AUTH_REFUSED.test(cause.message)) {
      throw new ClusterError(
        'STAMPEDE_ERR_REDIS_AUTH',
        `Redis at ${where} refused the password (${cause.message.split('\n')[0]!.replace(/\.$/, '')})`,
        'check the password in --redis redis://:PASSWORD@host:port (or STAMPEDE_REDIS)',
        { cause },
      );
    }
    throw new ClusterError('STAMPEDE_ERR_REDIS_CONNECT', `cannot connect to Redis at ${where}: ${cause.message}`, connectHint(url, cause), { cause });
  }
}

/** Node's codes for a TLS peer whose certificate cannot be trusted (or names another host). */
const UNTRUSTED_CERT = /CERT|SELF_SIGNED|ERR_TLS_CERT_ALTNAME_INVALID/;

/** What to do about a connection that failed for another reason than the password. */
function connectHint(url: string, cause: Error): string {
  const code = String((cause as NodeJS.ErrnoException).code ?? '');
  if (UNTRUSTED_CERT.test(code)) {
    return "the server's TLS certificate is not trusted: point NODE_EXTRA_CA_CERTS at its CA (PEM file), or use the host name the certificate names";
  }
  // A plain Redis port reads the TLS hello as a command and waits: the handshake times out, or the port hangs up.
  if (new URL(url).protocol === 'rediss:' && /TLS|socket disconnected|ECONNRESET|EPROTO|ETIMEDOUT/i.test(`${code} ${cause.message}`)) {
    return 'no TLS handshake: if that port speaks plain Redis, write redis:// instead of rediss://';
  }
  return 'is Redis running, and is --redis right?';
}
