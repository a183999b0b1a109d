import type { ErrorKind, StatusClass } from '../../metrics/backendMetrics.js';

/** The last active health check of a backend. */
export interface HealthCheckResult {
  readonly ok: boolean;
  /** Server time of the probe, in ms since the epoch. */
  readonly at: number;
  /** Why it failed. */
  readonly reason?: string;
}

/**
 * What the dashboard shows of one worker or backend now. Every field is read from its owner when the row is
 * built (the metrics registry, the backend set, the cluster's worker info); a field the mode has no source for
 * is left out, and the page shows `–`.
 */
export interface DashboardRow {
  /** Stable across polls and restarts, such as `worker 1` or `backend a`. */
  readonly key: string;
  /** Where it is, such as `port 8081` or `10.0.0.1:80`. */
  readonly detail: string;
  /** Life-cycle or health state: `ready`, `starting`, `waiting`, `errored`, `up`, `down`, `ejected`, `draining`… */
  readonly state: string;
  readonly pid?: number;
  readonly restarts?: number;
  /** Milliseconds since the process started. */
  readonly uptimeMs?: number;
  /** Resident memory in bytes. */
  readonly memory?: number;
  /** Share of one core over the last second, in percent. */
  readonly cpuPercent?: number;
  /** Requests in flight. */
  readonly activeRequests?: number;
  /** Responses by status class since the process (or backend) started. */
  readonly responses?: Readonly<Record<StatusClass, number>>;
  /** Failed requests by kind. */
  readonly errors?: Readonly<Record<ErrorKind, number>>;
  /** Retries away from it after it failed. */
  readonly retries?: number;
  /** Outlier-detection ejections. */
  readonly ejections?: number;
  /** Failed active health checks. */
  readonly healthCheckFailures?: number;
  /** The last active health check, with health checks on. */
  readonly lastHealthCheck?: HealthCheckResult;
  /** Its `backend` label in `/metrics`, where the page reads its latency buckets; absent without a balancer. */
  readonly metricsLabel?: string;
}
