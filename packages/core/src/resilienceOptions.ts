/**
 * Option types for the load balancer's health and resilience features. They live in `@lb/core` so that
 * {@link ClusterConfigOptions} can carry them; `@lb/proxy` implements them.
 */

/** Active health checks: probe every backend on an interval. */
export interface HealthCheckOptions {
  /**
   * `'http'` sends `GET path` and expects a 2xx (over HTTP/2 to an `h2`/`h2c` backend); `'tcp'` only connects;
   * `'grpc'` calls `grpc.health.v1.Health/Check` over HTTP/2 and expects `SERVING`. @default 'http'
   */
  type?: 'http' | 'tcp' | 'grpc';
  /** The service a `'grpc'` check asks about; `''` asks about the server as a whole. @default '' */
  service?: string;
  /** Path probed by HTTP checks. @default '/' */
  path?: string;
  /** Milliseconds between probes of one backend. @default 2000 */
  interval?: number;
  /** Milliseconds a probe may take. @default 1000 */
  timeout?: number;
  /** Consecutive successes that bring a down backend up. @default 2 */
  rise?: number;
  /** Consecutive failures that take an up backend down. @default 3 */
  fall?: number;
  /**
   * Random spread of each interval, as a share of it from 0 to 1, so probes of many backends (and of many
   * balancers) do not fire in lockstep. @default 0.1
   */
  jitter?: number;
}

/** Passive health: eject backends that keep failing real requests (Envoy's outlier detection). */
export interface OutlierDetectionOptions {
  /** Consecutive failures (connect errors, resets, timeouts, 5xx when `countServerErrors`) that eject. @default 5 */
  consecutiveFailures?: number;
  /** Count 5xx responses as failures. @default false */
  countServerErrors?: boolean;
  /** First ejection in milliseconds; the n-th ejection lasts n times this. @default 30000 */
  baseEjectionTime?: number;
  /** Longest ejection in milliseconds. @default 300000 */
  maxEjectionTime?: number;
  /** Largest share of backends ejected at once, from 0 to 1 (at least one may always be ejected). @default 0.5 */
  maxEjectionPercent?: number;
}

/** Slow start: ramp a recovered or added backend's weight up over a window. */
export interface SlowStartOptions {
  /** Ramp length in milliseconds; `0` disables slow start. @default 0 */
  window?: number;
  /** Weight share at the start of the ramp, from 0 to 1. @default 0.1 */
  minWeightPercent?: number;
  /**
   * Shape of the ramp: the weight factor is `(elapsed / window) ^ (1 / aggression)`. `1` is linear; above 1 the
   * weight grows faster early on. Must be greater than 0. @default 1
   */
  aggression?: number;
}

/** Retries of failed requests on another backend, safe by default (RFC 9110 §9.2.2). */
export interface RetryOptions {
  /** Most retries per request. `0` disables retries. @default 2 */
  attempts?: number;
  /** Retries may use at most this share of active requests, from 0 to 1. @default 0.2 */
  budgetPercent?: number;
  /** Retries always allowed regardless of the budget. @default 3 */
  minRetryConcurrency?: number;
  /**
   * Let an idempotent request whose connection the backend closed before a response head (a killed, crashing
   * or restarting backend) retry once outside the budget. A backend's death fails every request it holds at
   * once, more than a budget sized for the steady state allows; these retries are bounded by the requests the
   * lost connections carried, one each. `false` puts them under the budget like any other. @default true
   */
  retryLostConnections?: boolean;
}
