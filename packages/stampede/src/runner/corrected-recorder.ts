/**
 * Coordinated-omission correction for the open model. An iteration that starts late (every user was busy, or the
 * generator fell behind) would hide that wait if only service time were recorded; this recorder adds the
 * iteration's start delay to each request it records as the corrected latency, so the corrected latency of a
 * single-request iteration is exactly "response end − intended start". A request later in a multi-request
 * iteration carries the same delay (not the earlier requests' time, which is not its own latency).
 * Closed-model users in a mixed run use it with a delay of 0 (intended start = actual start).
 */
import type { RecordedError, Recorder } from '../stats/recorder.ts';
import type { CustomMetricKind, MetricTags } from '../stats/types.ts';

export class CorrectingRecorder implements Recorder {
  /** How late the current iteration started after its intended time, µs (set before each iteration). */
  startDelayUs = 0;
  readonly #inner: Recorder;

  constructor(inner: Recorder) {
    this.#inner = inner;
  }

  /** @inheritdoc */
  record(method: string, name: string, latencyUs: number, bytes: number, error?: RecordedError, _corrected?: number, tags?: MetricTags): void {
    this.#inner.record(method, name, latencyUs, bytes, error, latencyUs + this.startDelayUs, tags);
  }

  /** @inheritdoc */
  count(method: string, name: string, counter: string, n: number): void {
    this.#inner.count?.(method, name, counter, n);
  }

  /** @inheritdoc */
  recordException(error: unknown): void {
    this.#inner.recordException(error);
  }

  /** @inheritdoc */
  recordCheck(name: string, passed: boolean): void {
    this.#inner.recordCheck(name, passed);
  }

  /** @inheritdoc */
  recordMetric(kind: CustomMetricKind, name: string, value: number, tags?: MetricTags): void {
    this.#inner.recordMetric?.(kind, name, value, tags);
  }
}
