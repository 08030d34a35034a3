/**
 * A script's console output is a log of the run: it reaches the web UI's Logs tab (GET /api/logs) and the terminal
 * (stderr, so `--json -` keeps stdout for the report), from worker threads and from users on the main thread, and a
 * script that prints without end cannot grow memory: lines are cut, a thread passes on a bounded number a second,
 * the log view keeps a ring of lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../fixtures/cli-process.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';
import { rawRequest, waitFor } from '../integration/web-harness.ts';

const SCRIPT = `
import { HttpUser, constant, task } from 'stampede-load';
console.log('script imported');
export class Greeter extends HttpUser {
  static override waitTime = constant(0.2);
  override async onStart() { console.log('greeter says %s', 'hi', { n: 1 }); console.error('greeter complains'); }
  @task async go() { await this.client.get('/greet'); }
}
export class Chatty extends HttpUser {
  static override waitTime = constant(0.05);
  @task async chat() {
    console.log('x'.repeat(100_000));
    for (let i = 0; i < 1000; i++) console.log('chatter ' + i);
    await this.client.get('/chat');
  }
}
`;

interface LogLine {
  seq: number;
  level: string;
  source: string;
  message: string;
}

function scriptFile(): { file: string; done: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-console-'));
  const file = path.join(dir, 'users.ts');
  writeFileSync(file, SCRIPT);
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('console output of user threads reaches the web UI Logs tab and the terminal, bounded', async () => {
  const server = await startCountingServer();
  const script = scriptFile();
  let pid = 0;
  let printed: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => (printed = resolve));
  try {
    const run = runCli(['-f', script.file, '-P', '0', '--autostart', '-u', '2', '-r', '10', '--threads', '2', '--stop-timeout', '1s', '--host', server.url], {
      onSpawn: (p) => (pid = p),
      onStdout: (text) => {
        const m = /Web UI: (\S+)/.exec(text);
        if (m) printed(m[1]!);
      },
      timeoutMs: 60_000,
    });
    const base = await Promise.race([url, run.then((r) => Promise.reject(new Error(`exited ${r.code} before serving: ${r.stderr}`)))]);
    const logs = async () => JSON.parse((await rawRequest(new URL('/api/logs', base).href)).body) as LogLine[];
    // Several seconds of a thread printing 1,001 lines every 50 ms: far past the ring's 1,000 lines.
    const seen = await waitFor('the drop notice in the Logs tab', async () => {
      const lines = await logs();
      return lines.some((l) => /console lines dropped/.test(l.message)) && (lines.at(-1)?.seq ?? 0) > 1_200 ? lines : undefined;
    }, 30_000);
    const lines = seen.filter((l) => l.source === 'console');
    assert.ok(seen.length <= 1000 && seen[0]!.seq > 1, `the log view keeps a ring of 1,000 lines, got ${seen.length} from #${seen[0]!.seq}`);
    const long = lines.find((l) => l.message.startsWith('xxxx'));
    if (long) assert.ok(long.message.length < 4_100, `a long line is cut (${long.message.length} characters)`);
    assert.ok(lines.some((l) => /^chatter \d+$/.test(l.message) && l.level === 'info'), 'console.log lines are info lines of source console');
    assert.ok(lines.some((l) => /more than 200\/s from one user thread/.test(l.message) && l.level === 'warning'));
    process.kill(pid, 'SIGINT');
    const res = await run;
    assert.equal(res.code, 4, res.stderr);
    // The terminal has what the Logs tab had at the start (the ring has since dropped it): import time, onStart, console.error.
    assert.match(res.stderr, /^INFO console: script imported$/m);
    assert.match(res.stderr, /^INFO console: greeter says hi \{ n: 1 \}$/m);
    assert.match(res.stderr, /^ERROR console: greeter complains$/m);
    assert.match(res.stderr, /^INFO console: x{4000}… \(96000 more characters\)$/m);
    assert.doesNotMatch(res.stdout, /chatter|greeter/, 'console lines go to stderr with the other log lines');
  } finally {
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await server.close();
    script.done();
  }
});

test('users on the main thread (one user thread): console output goes to the log on stderr, --json - stays JSON', async () => {
  const server = await startCountingServer();
  const script = scriptFile();
  try {
    const res = await runCli(['-f', script.file, '--headless', '-u', '1', '-t', '2s', '--host', server.url, '--json', '-', 'Greeter'], { timeoutMs: 60_000 });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).totals.requests, server.total());
    assert.match(res.stderr, /^INFO console: script imported$/m);
    assert.match(res.stderr, /^INFO console: greeter says hi \{ n: 1 \}$/m);
    assert.match(res.stderr, /^ERROR console: greeter complains$/m);
  } finally {
    await server.close();
    script.done();
  }
});
