// Issue #8: `vertex-ar serve --preset high-traffic` starts 17 workers and reports its effective
// settings (explicit flags override the preset).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fresh, startCli } from '../support/cli-server.ts';

function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid (after the parenthesised command name).
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  }).map(Number);
}

test('--preset high-traffic: 17 workers, the preset settings, a flag overriding one of them', async () => {
  const s = await startCli(['--preset', 'high-traffic', '--backlog', '4096'], {}, 170_000);
  try {
    assert.match(s.stdout(), /settings preset=high-traffic workers=17 keep_alive_timeout_s=5 concurrency_limit=1000 backlog=4096 graceful_shutdown_timeout_s=30 /);
    assert.match(s.stdout(), /listening on http:\/\/127\.0\.0\.1:\d+ \(17 workers\)/);
    assert.equal(childrenOf(s.child.pid!).length, 17);
    const health = JSON.parse((await fresh(`${s.url}/health`)).body);
    assert.deepEqual(health.settings, {
      preset: 'high-traffic', workers: 17, keep_alive_timeout_s: 5, concurrency_limit: 1000, backlog: 4096, graceful_shutdown_timeout_s: 30,
      db: 'sqlite', cache: 'lru', storage: 'local',
    });
  } finally {
    assert.equal(await s.stop(), 0);
  }
});
