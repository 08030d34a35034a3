/**
 * The two or three figures a person reads first about each Vertex AR test (the report's overview and the printed
 * table), by test name. A test not listed gets the framework's default: request rate and p95.
 */
import type { HeadlineSpec, SuiteTest } from 'stampede-load/suite';

const p95: HeadlineSpec = { metric: 'p95_ms', label: 'p95', unit: 'ms' };
const rps: HeadlineSpec = { metric: 'rps', label: '', unit: 'req/s' };

export const HEADLINES: Record<string, HeadlineSpec[]> = {
  'large-file-uploads': [
    { metric: 'image_upload_mb_per_s', label: 'image upload', unit: 'MB/s' },
    { metric: 'video_upload_mb_per_s', label: 'video upload', unit: 'MB/s' },
    { metric: 'image_upload_p95_ms', label: 'image p95', unit: 'ms' },
  ],
  'concurrent-requests': [rps, { metric: 'read_p95_ms', label: 'reads p95', unit: 'ms' }, p95],
  'memory-leak': [
    { metric: 'leak_verdict', label: 'leak', unit: '' },
    { metric: 'leak_slope_bytes_per_s', label: 'RSS growth', unit: 'MiB/min', scale: 60 / 2 ** 20 },
    rps,
  ],
  'database-performance': [
    { metric: 'api_insert_per_s', label: 'API inserts', unit: '/s' },
    { metric: 'sqlite_batch_insert_per_s', label: 'batch inserts', unit: '/s' },
    { metric: 'sqlite_batch_speedup', label: 'batch vs one at a time', unit: '×' },
  ],
  capacity: [
    { metric: 'knee_rps', label: 'knee', unit: 'req/s' },
    { metric: 'knee_connections', label: 'at', unit: 'connections' },
    { metric: 'break_connections', label: 'breaks at', unit: 'connections' },
  ],
  'portrait-load': [
    { metric: 'ar_p95_ms', label: 'AR content p95', unit: 'ms' },
    { metric: 'cache_hit_ratio', label: 'cache hits', unit: '%', scale: 100 },
    rps,
  ],
  'video-scheduling': [
    { metric: 'schedule_changes', label: 'schedule changes', unit: '' },
    { metric: 'ar_switch_mismatches', label: 'stale AR reads', unit: '' },
    { metric: 'schedule_p95_ms', label: 'schedule p95', unit: 'ms' },
  ],
  'live-fanout': [
    { metric: 'fanout_ms', label: 'every viewer told in', unit: 'ms' },
    { metric: 'viewers_told', label: 'viewers told', unit: '' },
    { metric: 'viewers_not_told', label: 'not told', unit: '' },
  ],
  'api-stress': [rps, { metric: 'health_p95_ms', label: 'health p95', unit: 'ms' }, { metric: 'admin_p95_ms', label: 'admin p95', unit: 'ms' }],
  'storage-local': [
    { metric: 'upload_mb_per_s', label: 'upload', unit: 'MB/s' },
    { metric: 'download_mb_per_s', label: 'download', unit: 'MB/s' },
    p95,
  ],
  'storage-s3': [
    { metric: 'upload_mb_per_s', label: 'upload', unit: 'MB/s' },
    { metric: 'download_mb_per_s', label: 'download', unit: 'MB/s' },
    p95,
  ],
};

/** The test with its headline figures, when it has none of its own. */
export function withHeadline(test: SuiteTest): SuiteTest {
  return test.headline || !HEADLINES[test.name] ? test : { ...test, headline: HEADLINES[test.name] };
}
