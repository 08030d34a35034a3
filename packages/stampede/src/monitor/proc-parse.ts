/**
 * Pure parsers of the Linux /proc files the monitor reads (proc(5)). No I/O here, so each is unit-tested on text.
 */

/** Jiffies of one CPU line of /proc/stat: busy and total (guest time is already inside user, so not added). */
export interface CpuTimes {
  busy: number;
  total: number;
}

/** /proc/stat → [aggregate, cpu0, cpu1, ...]. Idle and iowait count as not busy. */
export function parseProcStat(text: string): CpuTimes[] {
  const out: CpuTimes[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    out.push({ busy: total - idle, total });
  }
  return out;
}

/** /proc/meminfo → bytes used (MemTotal − MemAvailable) and available. */
export function parseMeminfo(text: string): { usedBytes: number; availableBytes: number } {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  return { usedBytes: total - available, availableBytes: available };
}

/** /proc/diskstats → bytes read and written since boot over `disks` (names); sectors are always 512 bytes. */
export function parseDiskstats(text: string, disks: ReadonlySet<string>): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !disks.has(f[2]!)) continue;
    readBytes += Number(f[5]) * 512;
    writeBytes += Number(f[9]) * 512;
  }
  return { readBytes, writeBytes };
}

/** Byte counters of /proc/net/dev, loopback apart from the rest. */
export interface NetBytes {
  rx: number;
  tx: number;
  loRx: number;
  loTx: number;
}

/** /proc/net/dev → received and transmitted bytes, `lo` separately. */
export function parseNetDev(text: string): NetBytes {
  const out: NetBytes = { rx: 0, tx: 0, loRx: 0, loTx: 0 };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (f.length < 9) continue;
    if (name === 'lo') {
      out.loRx += f[0]!;
      out.loTx += f[8]!;
    } else {
      out.rx += f[0]!;
      out.tx += f[8]!;
    }
  }
  return out;
}

/** The fields of /proc/PID/stat the monitor uses. */
export interface PidStat {
  pid: number;
  ppid: number;
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  threads: number;
  rssPages: number;
}

/** /proc/PID/stat → PidStat; undefined for malformed text. The command name may hold spaces and ')'. */
export function parsePidStat(text: string): PidStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number.parseInt(text, 10);
  // After "pid (comm) ": field 3 (state) is index 0, so field N is index N − 3.
  const f = text.slice(close + 2).split(' ');
  if (f.length < 22) return undefined;
  return {
    pid,
    ppid: Number(f[1]),
    cpuTicks: Number(f[11]) + Number(f[12]),
    threads: Number(f[17]),
    rssPages: Number(f[21]),
  };
}
