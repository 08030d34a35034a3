/**
 * `stampede init`: a starter in the current folder — a typed user script that logs in and reads and writes, a
 * config file with thresholds, a tsconfig.json that type-checks both with standard decorators, and a CI workflow
 * that runs a short test and fails on thresholds. Writes nothing when any of the files already exists.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from './commander.ts';
import { UsageError } from './errors.ts';
import { PACKAGE_NAME } from '../self-import.ts';

const USERS_TS = `/**
 * A starter load test (made by \`npx stampede init\`). Each virtual user signs up and logs in once (a bearer
 * token), then lists and creates records. The paths and bodies are those of the Vertex AR API that Stampede ships
 * with (POST /auth/register, POST /auth/login → { access_token }, GET and POST /clients): change them to your API's.
 * With LOAD_USERNAME and LOAD_PASSWORD set, every user logs in with that account instead of signing up.
 *
 *   npx stampede -f users.ts --headless -u 10 -r 5 -t 30s --host http://127.0.0.1:8000
 *   npx stampede --config stampede.config.ts          # the same, with the config's thresholds
 */
import { randomUUID } from 'node:crypto';
import { HttpUser, StopUser, between, tag, task } from '${PACKAGE_NAME}';

interface LoginReply {
  access_token: string;
}

interface Page<T> {
  items: T[];
}

interface Client {
  id: number;
  name: string;
}

export class ApiUser extends HttpUser {
  // Seconds between two tasks of one user.
  static override waitTime = between(0.5, 2);

  override async onStart(): Promise<void> {
    const username = process.env.LOAD_USERNAME ?? \`load-\${randomUUID().slice(0, 12)}\`;
    const password = process.env.LOAD_PASSWORD ?? 'a long load-test password';
    if (process.env.LOAD_USERNAME === undefined) {
      await this.client.post('/auth/register', { json: { username, email: \`\${username}@example.com\`, password } });
    }
    const login = await this.client.post('/auth/login', { json: { username, password } });
    if (!login.ok) {
      this.log.error(\`login failed with status \${login.status}: stopping this user\`);
      throw new StopUser();
    }
    this.client.defaultHeaders.authorization = \`Bearer \${login.json<LoginReply>().access_token}\`;
  }

  // Three reads for every write.
  @task(3)
  @tag('read')
  async listClients(): Promise<void> {
    const page = await this.client.get('/clients', { query: { limit: 20 }, catchResponse: true });
    if (page.ok && !Array.isArray(page.json<Page<Client>>().items)) page.failure('no items in the reply');
  }

  @task(1)
  @tag('write')
  async createClient(): Promise<void> {
    await this.client.post('/clients', { json: { name: \`Client \${randomUUID().slice(0, 8)}\` } });
  }
}
`;

const CONFIG_TS = `/**
 * Settings of \`npx stampede --config stampede.config.ts\`; a flag on the command line wins over the same setting here.
 * The run fails (exit 1) when a threshold fails or any request fails.
 */
import { defineConfig } from '${PACKAGE_NAME}';

export default defineConfig({
  file: './users.ts',
  host: process.env.TARGET_URL ?? 'http://127.0.0.1:8000',
  users: 10,
  spawnRate: 5,
  runTime: '30s',
  headless: true,
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(95)<500'],
  },
});
`;

const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023'],
      types: ['node'],
      strict: true,
      noImplicitOverride: true,
      // Stampede's @task and @tag are standard decorators: experimentalDecorators must stay off.
      experimentalDecorators: false,
      skipLibCheck: true,
      noEmit: true,
    },
    include: ['*.ts'],
  },
  null,
  2,
)}\n`;

const WORKFLOW = `# A short load test on every push: fails when a threshold or a request fails (made by \`npx stampede init\`).
name: load test
on: [push, pull_request]
jobs:
  load-test:
    runs-on: ubuntu-latest
    env:
      # Where the API under test listens: start it in a step below, or point this at a test deployment.
      TARGET_URL: http://127.0.0.1:8000
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm ci
      - run: npx tsc --noEmit
      # Start your API here, for example:
      # - run: npm start & npx --yes wait-on http://127.0.0.1:8000
      - run: npx stampede --config stampede.config.ts -t 20s --json stampede-report.json --junit stampede-junit.xml --html stampede-report.html
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: stampede-report
          path: stampede-*
`;

/** The starter's files, relative to the folder they are written to. */
export const STARTER_FILES: Readonly<Record<string, string>> = {
  'users.ts': USERS_TS,
  'stampede.config.ts': CONFIG_TS,
  'tsconfig.json': TSCONFIG,
  '.github/workflows/load-test.yml': WORKFLOW,
};

/** Writes the starter into `dir`; throws a UsageError naming the files that exist, before writing any. */
export function writeStarter(dir: string): string[] {
  const existing = Object.keys(STARTER_FILES).filter((file) => existsSync(path.join(dir, file)));
  if (existing.length > 0) {
    throw new UsageError(
      'STAMPEDE_ERR_INIT_EXISTS',
      `init writes nothing: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}`,
      'run it in an empty folder, or move those files away first',
    );
  }
  const written: string[] = [];
  for (const [file, text] of Object.entries(STARTER_FILES)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text, { flag: 'wx' });
    written.push(file);
  }
  return written;
}

/** Adds `init` to the program. */
export function addInitCommand(program: Command): void {
  program
    .command('init')
    .description('write a starter into the current folder: users.ts, stampede.config.ts, tsconfig.json, a CI workflow')
    .action(() => {
      const written = writeStarter(process.cwd());
      const lines = [
        ...written.map((file) => `created ${file}`),
        '',
        'Next:',
        `  npm i -D ${PACKAGE_NAME} typescript @types/node   # if not installed yet`,
        '  npx tsc --noEmit                                  # type-check the users',
        '  npx stampede -f users.ts --headless -u 10 -r 5 -t 30s --host http://127.0.0.1:8000',
        '  npx stampede --config stampede.config.ts          # with thresholds; exit 1 when one fails',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
