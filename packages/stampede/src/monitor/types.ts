/**
 * One monitor sample (report contract `monitor.samples[]`): snake_case keys with their units. Target fields are
 * null when no target process is attached (or it has exited); `target_metrics` appears on the samples taken right
 * after a new scrape of the target's Prometheus `/metrics`.
 */
export interface MonitorSample {
  /** Seconds since the monitor started. */
  t: number;
  /** Machine CPU busy, percent of all cores (0–100). */
  cpu_pct: number;
  /** Per core, percent of that core (0–100). */
  cpu_per_core_pct: number[];
  mem_used_bytes: number;
  mem_available_bytes: number;
  /** Whole disks only (partitions, loop and device-mapper devices excluded), bytes per second. */
  disk_read_bps: number;
  disk_write_bps: number;
  /** Every interface but loopback, bytes per second. */
  net_rx_bps: number;
  net_tx_bps: number;
  /** Loopback alone (where local tests' traffic goes), bytes per second. */
  net_lo_rx_bps: number;
  net_lo_tx_bps: number;
  /** Processes in the target tree (the PID and its descendants). */
  target_processes: number | null;
  /** Target tree CPU, percent of one core (200 = two cores busy). */
  target_cpu_pct: number | null;
  target_rss_bytes: number | null;
  target_open_files: number | null;
  target_threads: number | null;
  /** This process (all threads), percent of one core. */
  gen_cpu_pct: number;
  gen_rss_bytes: number;
  gen_heap_used_bytes: number;
  /** Main-thread event-loop delay p99 over the interval, ms. */
  gen_loop_lag_p99_ms: number;
  /** Total GC pause time in the interval, ms. */
  gen_gc_pause_ms: number;
  /** Requests served so far (the load's completed requests), when a source was given. */
  requests_total?: number;
  /** Chosen series from the target's `/metrics`, by selector. */
  target_metrics?: Record<string, number>;
}

/** Fields a probe contributes to a sample. */
export type SampleFields = Partial<Omit<MonitorSample, 't'>>;

/** A source of sample fields; `read(intervalS)` is called once per tick with the seconds since the last read. */
export interface Probe {
  read(intervalS: number): SampleFields;
  /** Releases timers and observers. */
  close?(): void;
}
