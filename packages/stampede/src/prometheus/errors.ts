import { StampedeError } from '../errors.ts';

/** Errors of the Prometheus area: a stable `code` to branch on, a message saying what is wrong, a hint saying what to do. */
export type PrometheusErrorCode = 'STAMPEDE_ERR_PROMETHEUS_LISTEN' | 'STAMPEDE_ERR_PROMETHEUS_PUSH';

/** Raised when the exporter cannot listen, or a push to a Pushgateway fails. */
export class PrometheusError extends StampedeError<PrometheusErrorCode> {}
