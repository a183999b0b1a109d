import type { ErrorKind } from '../metrics/backendMetrics.js';

/** Why an attempt failed, for retries, metrics and events; the same kinds for HTTP and TCP. */
export type FailureKind =
  | 'connect'
  | 'connectTimeout'
  | 'reset'
  | 'responseTimeout'
  | 'idleTimeout'
  | 'protocol';

/** The `kind` label of `lb_backend_errors_total` for each failure. */
export const errorKindOf: Readonly<Record<FailureKind, ErrorKind>> = {
  connect: 'connect',
  connectTimeout: 'timeout',
  reset: 'reset',
  responseTimeout: 'timeout',
  idleTimeout: 'timeout',
  protocol: 'protocol',
};
