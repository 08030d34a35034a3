// The /proc parsers on captured text (proc(5)), the Prometheus text parser, and the probes on a fake /proc tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDiskstats, parseMeminfo, parseNetDev, parsePidStat, parseProcStat } from '../../src/monitor/proc-parse.ts';
import { parsePrometheusText, parseSelector, selectSeries } from '../../src/monitor/prometheus-text.ts';
import { SystemProbe } from '../../src/monitor/system-probe.ts';
import { descendantsOf } from '../../src/monitor/process-tree-probe.ts';

const stat = (user: number, idle: number) => `cpu  ${user * 2} 0 0 ${idle * 2} 0 0 0 0 0 0\ncpu0 ${user} 0 0 ${idle} 0 0 0 0 0 0\ncpu1 ${user} 0 0 ${idle} 0 0 0 0 0 0\nintr 1 2\n`;

test('parseProcStat: busy excludes idle and iowait, one entry per cpu line', () => {
  const cpus = parseProcStat('cpu  10 1 4 80 5 0 0 0 7 0\ncpu0 10 1 4 80 5 0 0 0 7 0\nctxt 5\n');
  assert.deepEqual(cpus, [{ busy: 15, total: 100 }, { busy: 15, total: 100 }]);
});

test('parseMeminfo: used = MemTotal − MemAvailable, in bytes', () => {
  assert.deepEqual(parseMeminfo('MemTotal:       1000 kB\nMemFree:  10 kB\nMemAvailable:    400 kB\n'), { usedBytes: 600 * 1024, availableBytes: 400 * 1024 });
});

test('parseDiskstats: whole disks only, 512-byte sectors', () => {
  const text = ' 253 0 vda 100 0 8 0 50 0 16 0 0 0 0\n 253 1 vda1 100 0 8 0 50 0 16 0 0 0 0\n 7 0 loop0 1 0 2 0 0 0 0 0 0 0 0\n';
  assert.deepEqual(parseDiskstats(text, new Set(['vda'])), { readBytes: 8 * 512, writeBytes: 16 * 512 });
});

test('parseNetDev: loopback apart from the other interfaces', () => {
  const text = 'Inter-|   Receive\n face |bytes packets\n    lo: 100 1 0 0 0 0 0 0 200 2 0 0 0 0 0 0\n  eth0: 1000 1 0 0 0 0 0 0 3000 2 0 0 0 0 0 0\n';
  assert.deepEqual(parseNetDev(text), { rx: 1000, tx: 3000, loRx: 100, loTx: 200 });
});

test('parsePidStat: a command name with spaces and parentheses', () => {
  const fields = ['S', '42', ...Array(9).fill('0'), '300', '200', ...Array(4).fill('0'), '7', '0', '0', '0', '1234'];
  const s = parsePidStat(`99 (my (odd) proc) ${fields.join(' ')}`);
  assert.deepEqual(s, { pid: 99, ppid: 42, cpuTicks: 500, threads: 7, rssPages: 1234 });
  assert.equal(parsePidStat('garbage'), undefined);
});

test('descendantsOf: children and grandchildren, not siblings', () => {
  const parents = new Map([[10, 1], [11, 10], [12, 10], [13, 11], [20, 1]]);
  assert.deepEqual(descendantsOf(10, parents).sort(), [10, 11, 12, 13]);
});

test('SystemProbe: rates from deltas over the interval, per-core percentages', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'stampede-proc-'));
  try {
    mkdirSync(path.join(root, 'net'));
    const write = (user: number, idle: number, disk: number, net: number) => {
      writeFileSync(path.join(root, 'stat'), stat(user, idle));
      writeFileSync(path.join(root, 'meminfo'), 'MemTotal: 100 kB\nMemAvailable: 40 kB\n');
      writeFileSync(path.join(root, 'diskstats'), ` 253 0 vda 0 0 ${disk} 0 0 0 ${disk * 2} 0 0 0 0\n`);
      writeFileSync(path.join(root, 'net/dev'), `lo: ${net} 0 0 0 0 0 0 0 ${net} 0 0 0 0 0 0 0\n`);
    };
    write(0, 0, 0, 0);
    const probe = new SystemProbe({ procRoot: root, disks: ['vda'] });
    write(25, 75, 1000, 5000);
    const f = probe.read(0.5);
    assert.equal(f.cpu_pct, 25);
    assert.deepEqual(f.cpu_per_core_pct, [25, 25]);
    assert.equal(f.disk_read_bps, 1000 * 512 * 2);
    assert.equal(f.disk_write_bps, 2000 * 512 * 2);
    assert.equal(f.net_lo_rx_bps, 10_000);
    assert.equal(f.net_rx_bps, 0);
    assert.equal(f.mem_used_bytes, 60 * 1024);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('parsePrometheusText: labels with escapes, special values, comments and timestamps', () => {
  const text = [
    '# HELP cache_requests_total Cache lookups',
    '# TYPE cache_requests_total counter',
    'cache_requests_total{result="hit",route="/ar/:id"} 90',
    'cache_requests_total{result="miss",route="/ar/:id"} 10 1700000000000',
    'process_resident_memory_bytes 1.5e+08',
    'weird{msg="a \\"quoted\\" value"} +Inf',
    'broken line',
  ].join('\n');
  const samples = parsePrometheusText(text);
  assert.equal(samples.length, 4);
  assert.deepEqual(samples[0], { name: 'cache_requests_total', labels: { result: 'hit', route: '/ar/:id' }, value: 90 });
  assert.equal(samples[2]!.value, 1.5e8);
  assert.deepEqual(samples[3], { name: 'weird', labels: { msg: 'a "quoted" value' }, value: Infinity });
  const picked = selectSeries(samples, ['cache_requests_total', 'cache_requests_total{result="hit"}', 'absent_total'].map(parseSelector));
  assert.deepEqual(picked, { cache_requests_total: 100, 'cache_requests_total{result="hit"}': 90 });
});
