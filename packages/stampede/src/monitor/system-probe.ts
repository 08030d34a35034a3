/**
 * Machine-wide figures from /proc: CPU (total and per core) from /proc/stat deltas, memory from /proc/meminfo,
 * whole-disk I/O from /proc/diskstats and network from /proc/net/dev, as rates over the interval.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { type CpuTimes, type NetBytes, parseDiskstats, parseMeminfo, parseNetDev, parseProcStat } from './proc-parse.ts';
import type { Probe, SampleFields } from './types.ts';

/** Where the probe reads; tests point it at files of their own. */
export interface SystemProbeOptions {
  /** Default '/proc'. */
  procRoot?: string;
  /** Whole disks by name; default: /sys/block entries with a `device` link (real disks: no loop, ram, dm-). */
  disks?: Iterable<string>;
}

/** Whole disks: /sys/block/<name>/device exists only for hardware (or virtio) disks, never for partitions. */
export function wholeDisks(sysBlock = '/sys/block'): Set<string> {
  try {
    return new Set(readdirSync(sysBlock).filter((name) => existsSync(`${sysBlock}/${name}/device`)));
  } catch {
    return new Set();
  }
}

function pct(now: CpuTimes | undefined, before: CpuTimes | undefined): number {
  if (!now || !before) return 0;
  const total = now.total - before.total;
  return total > 0 ? Math.round((1000 * (now.busy - before.busy)) / total) / 10 : 0;
}

const rate = (now: number, before: number, s: number) => (s > 0 ? Math.max(0, Math.round((now - before) / s)) : 0);

/** Reads machine figures; the first read reports zero rates (no previous counters yet). */
export class SystemProbe implements Probe {
  readonly #root: string;
  readonly #disks: Set<string>;
  #cpu: CpuTimes[];
  #disk: { readBytes: number; writeBytes: number };
  #net: NetBytes;

  constructor(options: SystemProbeOptions = {}) {
    this.#root = options.procRoot ?? '/proc';
    this.#disks = new Set(options.disks ?? wholeDisks());
    this.#cpu = this.#readCpu();
    this.#disk = this.#readDisk();
    this.#net = this.#readNet();
  }

  read(intervalS: number): SampleFields {
    const cpu = this.#readCpu();
    const disk = this.#readDisk();
    const net = this.#readNet();
    const mem = parseMeminfo(this.#file('meminfo'));
    const fields: SampleFields = {
      cpu_pct: pct(cpu[0], this.#cpu[0]),
      cpu_per_core_pct: cpu.slice(1).map((c, i) => pct(c, this.#cpu[i + 1])),
      mem_used_bytes: mem.usedBytes,
      mem_available_bytes: mem.availableBytes,
      disk_read_bps: rate(disk.readBytes, this.#disk.readBytes, intervalS),
      disk_write_bps: rate(disk.writeBytes, this.#disk.writeBytes, intervalS),
      net_rx_bps: rate(net.rx, this.#net.rx, intervalS),
      net_tx_bps: rate(net.tx, this.#net.tx, intervalS),
      net_lo_rx_bps: rate(net.loRx, this.#net.loRx, intervalS),
      net_lo_tx_bps: rate(net.loTx, this.#net.loTx, intervalS),
    };
    this.#cpu = cpu;
    this.#disk = disk;
    this.#net = net;
    return fields;
  }

  #file(name: string): string {
    try {
      return readFileSync(`${this.#root}/${name}`, 'latin1');
    } catch {
      return '';
    }
  }

  #readCpu(): CpuTimes[] {
    return parseProcStat(this.#file('stat'));
  }

  #readDisk() {
    return parseDiskstats(this.#file('diskstats'), this.#disks);
  }

  #readNet(): NetBytes {
    return parseNetDev(this.#file('net/dev'));
  }
}
