/**
 * Coordinated-omission correction for the open model. An iteration that starts late (every user was busy, or the
 * generator fell behind) would hide that wait if only service time were recorded; this recorder adds the
 * iteration's start delay to each request it records as the corrected latency, so the corrected latency of a
 * single-request iteration is exactly "response end − intended start". A request later in a multi-request
 * iteration carries the same delay (not the earlier requests' time, which is not its own latency).
 * Closed-model users in a mixed run use it with a delay of 0 (intended start = actual start).
 */
import { ForwardingRecorder, type RecordedError } from '../stats/recorder.ts';
import type { MetricTags } from '../stats/types.ts';

export class CorrectingRecorder extends ForwardingRecorder {
  /** How late the current iteration started after its intended time, µs (set before each iteration). */
  startDelayUs = 0;

  /** @inheritdoc */
  override record(method: string, name: string, latencyUs: number, bytes: number, error?: RecordedError, _corrected?: number, tags?: MetricTags): void {
    this.inner.record(method, name, latencyUs, bytes, error, latencyUs + this.startDelayUs, tags);
  }
}
