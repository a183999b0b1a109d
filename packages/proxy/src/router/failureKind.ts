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

/** The `LbError` code each failure is reported with. */
export const failureCodes = {
  connect: 'LB_ERR_UPSTREAM_CONNECT',
  connectTimeout: 'LB_ERR_UPSTREAM_TIMEOUT',
  reset: 'LB_ERR_UPSTREAM_RESET',
  responseTimeout: 'LB_ERR_UPSTREAM_TIMEOUT',
  idleTimeout: 'LB_ERR_UPSTREAM_TIMEOUT',
  protocol: 'LB_ERR_UPSTREAM_PROTOCOL',
} as const satisfies Record<FailureKind, string>;
