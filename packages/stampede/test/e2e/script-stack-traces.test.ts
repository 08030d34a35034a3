// Issue #18: an exception in a user's task or onStart is shown at the user's own file and line (the bundle's source
// map applied), in the console's Exceptions table and in the JSON report — not at the hidden .stampede-*.mjs bundle.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../fixtures/cli-process.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';

const SCRIPT = `import { HttpUser, constant, task } from 'stampede-load';

// Padding, so the lines below are not where a bundle would put them.
function explode(what: string): never {
  throw new Error(\`exploded in \${what}\`);
}

export class Thrower extends HttpUser {
  static override waitTime = constant(0.2);

  @task async fetchThenThrow(): Promise<void> {
    await this.client.get('/fast');
    explode('a task');
  }
}

export class BadStart extends HttpUser {
  static override waitTime = constant(0.2);

  override async onStart(): Promise<void> {
    throw new TypeError('onStart went wrong');
  }

  @task async never(): Promise<void> {
    await this.client.get('/fast');
  }
}
`;

for (const threads of [1, 2]) {
  test(`exceptions point at the user's file and line, with ${threads} thread(s)`, async () => {
    const server = await startCountingServer({ '/fast': { body: 'ok' } });
    const dir = mkdtempSync(path.join(tmpdir(), 'stampede-stack-'));
    try {
      writeFileSync(path.join(dir, 'fail.ts'), SCRIPT);
      const json = path.join(dir, 'r.json');
      const r = await runCli(['-f', path.join(dir, 'fail.ts'), '--headless', '-u', '2', '-r', '10', '-t', '2s', '--threads', String(threads), '--host', server.url, '--json', json, '--only-summary', '--exit-code-on-error', '0']);
      const report = JSON.parse(readFileSync(json, 'utf8')) as { exceptions: Array<{ message: string; stack: string; count: number }> };
      const task = report.exceptions.find((x) => x.message === 'Error: exploded in a task');
      const start = report.exceptions.find((x) => x.message === 'TypeError: onStart went wrong');
      assert.ok(task && start, JSON.stringify(report.exceptions));
      // The throw is on line 5, called from the task on line 13; onStart's throw is on line 21.
      assert.match(task.stack, /fail\.ts:5:\d+/);
      assert.match(task.stack, /fail\.ts:13:\d+/);
      assert.match(start.stack, /fail\.ts:21:\d+/);
      assert.doesNotMatch(task.stack + start.stack, /\.stampede-[\w-]+\.mjs/);
      // The console table names the place too.
      assert.match(r.stdout, /exploded in a task.*fail\.ts:5/);
      assert.match(r.stdout, /onStart went wrong.*fail\.ts:21/);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a script compiled with experimentalDecorators gets a hint naming the setting', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-legacy-'));
  try {
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { experimentalDecorators: true } }));
    writeFileSync(path.join(dir, 'legacy.ts'), "import { HttpUser, task } from 'stampede-load';\nexport class L extends HttpUser {\n  @task async a(): Promise<void> {}\n}\n");
    const r = await runCli(['-f', path.join(dir, 'legacy.ts'), '--headless', '-u', '1', '-t', '1s', '--host', 'http://127.0.0.1:9']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^stampede: \S*legacy\.ts:3:\d+: @task was applied as a legacy decorator.*experimentalDecorators/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
