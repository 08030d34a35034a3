/**
 * The Vertex AR performance suite (issue 6): comprehensive (large files, concurrent requests, memory leak,
 * database, capacity), portrait load, video scheduling, storage integration (local disk and S3 side by side), basic
 * performance and an API stress test, scaled by a profile. `stampede suite vertex-ar` loads this module and calls
 * {@link prepare}: with no target it starts the embedded API (and an S3-backed twin on a local s3rver) and stops them in `close()`.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_SCRAPE_SERIES, SuiteError, type Logger, type SuiteDefinition, type SuiteProfile } from 'stampede-load/suite';
import { startEmbeddedApi, startLocalS3, type EmbeddedApi, type LocalS3 } from './embedded-api.ts';
import { withHeadline } from './headlines.ts';
import { planFor } from './plan.ts';
import { apiStressTest } from './scenarios/api-stress.ts';
import { basicAdminTest, basicUserTest, adminRequirement } from './scenarios/basic.ts';
import { capacityTest } from './scenarios/capacity.ts';
import { databaseTest } from './scenarios/database.ts';
import { largeFilesTest } from './scenarios/large-files.ts';
import { memoryLeakTest } from './scenarios/memory-leak.ts';
import { mixedLoadTest } from './scenarios/mixed-load.ts';
import { portraitLoadTest } from './scenarios/portrait-load.ts';
import { liveFanoutTest } from './scenarios/live-fanout.ts';
import type { AdminCredentials, ScenarioEnv } from './scenarios/scenario-env.ts';
import { s3Requirement, storageTest } from './scenarios/storage.ts';
import { videoSchedulingTest } from './scenarios/video-scheduling.ts';

/** Series scraped from the target's /metrics beside the client-side figures. */
const SCRAPE_SERIES = [
  ...DEFAULT_SCRAPE_SERIES,
  'cache_hits_total{cache="ar"}',
  'cache_misses_total{cache="ar"}',
  'http_requests_in_flight',
  'http_requests_rejected_total',
  'db_pool_exhausted_total',
];

/** The suite over prepared targets. `s3Missing` says why there is no S3-backed instance, when there is none. */
export function vertexArSuite(env: ScenarioEnv, s3Missing = 'no S3-backed instance'): SuiteDefinition {
  return {
    name: 'vertex-ar',
    healthPath: '/health',
    metricsPath: '/metrics',
    scrapeSeries: SCRAPE_SERIES,
    requirements: [adminRequirement(env), s3Requirement(env, s3Missing)],
    tests: [
      largeFilesTest(env),
      mixedLoadTest(env),
      memoryLeakTest(env),
      databaseTest(env),
      capacityTest(env),
      portraitLoadTest(env),
      videoSchedulingTest(env),
      liveFanoutTest(env),
      storageTest(env, 'local'),
      storageTest(env, 's3'),
      basicUserTest(env),
      basicAdminTest(env),
      apiStressTest(env),
    ].map(withHeadline),
  };
}

/** What the CLI hands `prepare` (only the CLI reads the environment). */
export interface PrepareOptions {
  /** An existing deployment; omit to start the embedded API. */
  target?: string;
  quick: boolean;
  profile: SuiteProfile;
  /** `--duration`, seconds (the endurance length). */
  durationS?: number;
  /** ADMIN_USERNAME / ADMIN_PASSWORD, for a `--target` run. */
  admin?: AdminCredentials;
  /** `--option KEY=VALUE` settings; see {@link suiteOptions}. */
  options?: Record<string, string>;
  /** Environment for the embedded API's processes (PATH and the like). */
  env: Record<string, string | undefined>;
  logger: Logger;
}

/** A suite ready to run, and how to tear down what was started for it. */
export interface PreparedSuite {
  suite: SuiteDefinition;
  target: string;
  /** The embedded API's PID (the monitor's target). */
  targetPid?: number;
  /** One line on what runs where, for the terminal. */
  description: string;
  /** Variables the user classes read (ADMIN_USERNAME / ADMIN_PASSWORD of the embedded API); the CLI sets them. */
  userEnv?: Record<string, string>;
  close(): Promise<void>;
}

async function startS3Twin(o: PrepareOptions, admin: AdminCredentials): Promise<{ s3: LocalS3; api: EmbeddedApi } | string> {
  let s3: LocalS3 | undefined;
  try {
    s3 = await startLocalS3();
    const api = await startEmbeddedApi({ admin, env: { ...o.env, ...s3.env }, args: ['--storage', `s3://${s3.bucket}`] });
    return { s3, api };
  } catch (error) {
    await s3?.close().catch(() => {});
    return `the S3-backed API instance did not start: ${(error as Error).message}`;
  }
}

/** What the `--option` settings of this suite name. */
interface SuiteOptions {
  /** The storage tests' instances, by backend (two deployments, or two instances of one). */
  storageTargets: Partial<Record<'local' | 's3', string>>;
  /** A PostgreSQL server where the database test may create (and drop) a scratch database. */
  postgres?: string;
}

const OPTION_KEYS = ['storage-local', 'storage-s3', 'postgres'];

/** Reads and checks `--option` settings; a SuiteError of code OPTION (a usage error) for anything else. */
export function suiteOptions(raw: Record<string, string> = {}): SuiteOptions {
  const bad = (text: string) => new SuiteError('STAMPEDE_ERR_SUITE_OPTION', text);
  const out: SuiteOptions = { storageTargets: {} };
  for (const [key, value] of Object.entries(raw)) {
    if (!OPTION_KEYS.includes(key)) throw bad(`unknown --option '${key}' (vertex-ar takes ${OPTION_KEYS.join(', ')})`);
    if (key === 'postgres') {
      if (!/^postgres(ql)?:\/\/./.test(value)) throw bad(`--option postgres must be postgres://USER@HOST:PORT/DB, got '${value}'`);
      out.postgres = value;
      continue;
    }
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol)) throw bad(`--option ${key} must be an http(s) URL, got '${value}'`);
    out.storageTargets[key === 'storage-s3' ? 's3' : 'local'] = value.replace(/\/+$/, '');
  }
  return out;
}

/** Builds the suite for `o`: against `o.target`, or against an embedded API started now. */
export async function prepare(o: PrepareOptions): Promise<PreparedSuite> {
  const plan = planFor(o.profile, o.quick, o.durationS);
  const options = suiteOptions(o.options);
  if (o.target) {
    const target = o.target.replace(/\/+$/, '');
    const env: ScenarioEnv = { plan, target, admin: o.admin, ...options };
    const suite = vertexArSuite(env, 'the target stores files on local disk and no S3-backed instance was named (--option storage-s3=URL; the embedded run compares both)');
    return { suite, target, description: `target ${target} (profile ${o.profile}${o.quick ? ', quick' : ''})`, close: async () => {} };
  }
  const admin = { username: 'suite-admin', password: randomBytes(12).toString('hex') };
  o.logger.log('info', 'starting the embedded Vertex AR API (SQLite, LRU cache, local storage) and an S3-backed twin on s3rver');
  const [main, twin] = await Promise.all([startEmbeddedApi({ admin, env: o.env }), startS3Twin(o, admin)]);
  if (typeof twin === 'string') o.logger.log('warning', twin);
  const env: ScenarioEnv = { plan, target: main.url, admin, s3: typeof twin === 'string' ? undefined : { url: twin.api.url, pid: twin.api.pid }, ...options };
  return {
    suite: vertexArSuite(env, typeof twin === 'string' ? twin : undefined),
    target: main.url,
    targetPid: main.pid,
    userEnv: { ADMIN_USERNAME: admin.username, ADMIN_PASSWORD: admin.password },
    description: `embedded API ${main.url} (pid ${main.pid})${typeof twin === 'string' ? '' : `, S3 twin ${twin.api.url}`}; profile ${o.profile}${o.quick ? ', quick' : ''}`,
    async close() {
      await Promise.all([main.close(), typeof twin === 'string' ? undefined : twin.api.close().then(() => twin.s3.close())]);
    },
  };
}
