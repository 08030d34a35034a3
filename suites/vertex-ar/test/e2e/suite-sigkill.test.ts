/**
 * Issue #19, item 8: `kill -9` of `stampede suite` left both embedded `vertex-ar serve` processes running (and their
 * temporary data). Now each embedded server watches the suite through its stdin pipe and stops when it is gone,
 * removing its data directory; a directory left behind anyway is removed by the next start, unless its owner lives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DATA_DIR_PREFIX, removeStaleDataDirs } from '../../embedded-api.ts';

const root = new URL('../../../../', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** PIDs of the processes whose parent is `ppid` and whose command line contains `word` (Linux /proc). */
function childrenOf(ppid: number, word: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name in parentheses, which may itself hold spaces.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === ppid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(word)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('SIGKILL of `stampede suite`: both embedded API processes stop, their data directories go, and the next start removes its s3rver data', async () => {
  const reports = mkdtempSync(path.join(tmpdir(), 'suite-sigkill-'));
  const suite = spawn(process.execPath, ['packages/stampede/bin/stampede.js', 'suite', 'vertex-ar', '--quick', '--report-dir', reports], { cwd: root, stdio: 'ignore' });
  let servers: number[] = [];
  try {
    // Both servers (the main API and its S3 twin) started: bounded wait, generous for a loaded machine.
    for (let i = 0; i < 240 && servers.length < 2; i++) {
      await sleep(500);
      servers = childrenOf(suite.pid!, 'serve');
    }
    assert.equal(servers.length, 2, 'the suite started two embedded servers');
    const dataDirs = servers.map((pid) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith('STAMPEDE_SUITE_DATA_DIR='))!.split('=')[1]!);
    assert.ok(dataDirs.every((d) => existsSync(d)));
    // The S3 twin's objects live in the suite's own process (s3rver), in a directory it owns.
    const s3Dirs = readdirSync(tmpdir())
      .filter((n) => n.startsWith(`${DATA_DIR_PREFIX}s3-`) && !n.endsWith('.owner'))
      .map((n) => path.join(tmpdir(), n))
      .filter((d) => readFileSync(`${d}.owner`, 'utf8') === String(suite.pid));
    assert.equal(s3Dirs.length, 1, 'the suite owns one s3rver directory');
    suite.kill('SIGKILL');
    // Polled with a generous deadline: no bound on how fast they stop is asserted.
    for (let i = 0; i < 120 && servers.some(alive); i++) await sleep(250);
    assert.deepEqual(servers.filter(alive), [], 'no embedded server outlives the suite');
    assert.deepEqual(dataDirs.filter((d) => existsSync(d)), [], 'their data directories are removed');
    // Nothing in the killed process could remove its s3rver directory: the next start does.
    assert.ok(existsSync(s3Dirs[0]!));
    await removeStaleDataDirs();
    assert.equal(existsSync(s3Dirs[0]!), false, 'the next start removes the killed suite\'s s3rver directory');
    assert.equal(existsSync(`${s3Dirs[0]!}.owner`), false);
  } finally {
    suite.kill('SIGKILL');
    for (const pid of servers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(reports, { recursive: true, force: true });
  }
});

test('the next start removes data directories whose suite is gone, and keeps those of a suite still running', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'suite-stale-'));
  try {
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.once('exit', r));
    const orphan = path.join(dir, `${DATA_DIR_PREFIX}orphan`);
    const owned = path.join(dir, `${DATA_DIR_PREFIX}owned`);
    for (const [d, pid] of [[orphan, dead.pid!], [owned, process.pid]] as const) {
      mkdirSync(path.join(d, 'uploads'), { recursive: true });
      writeFileSync(path.join(d, 'uploads', 'file.bin'), 'x');
      writeFileSync(`${d}.owner`, String(pid));
    }
    assert.equal(await removeStaleDataDirs(dir), 1);
    assert.equal(existsSync(orphan), false);
    assert.equal(existsSync(`${orphan}.owner`), false);
    assert.equal(existsSync(owned), true, 'a live owner keeps its directory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
