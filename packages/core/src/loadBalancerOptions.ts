import type {
  HealthCheckOptions,
  OutlierDetectionOptions,
  RetryOptions,
  SlowStartOptions,
} from './resilienceOptions.js';

/**
 * Options of the load balancer that live on {@link ClusterConfigOptions} too, so one config object drives a
 * whole cluster. `@lb/proxy` implements them.
 */
export interface LoadBalancerOptions {
  /** Interface the load balancer listens on. @default all interfaces, as in the Dart original */
  loadBalancerHost?: string;
  /** Port of the admin server (`/metrics`, `/status`, `/healthz`); off when unset. `0` picks a free port. */
  adminPort?: number;
  /** Interface of the admin server. @default '127.0.0.1' */
  adminHost?: string;
  /** Active health checks; off when unset. */
  healthCheck?: HealthCheckOptions;
  /** Passive health (outlier ejection). @default on, with the defaults of {@link OutlierDetectionOptions} */
  outlierDetection?: OutlierDetectionOptions | false;
  /** Slow start for recovered and added backends; off when unset. */
  slowStart?: SlowStartOptions;
  /** Retry policy. @default on, with the defaults of {@link RetryOptions} */
  retries?: RetryOptions | false;
  /** When healthy backends fall below this share (0–1), route to all of them anyway (Envoy). `0` disables. @default 0 */
  panicThreshold?: number;
}

/** Every key of {@link LoadBalancerOptions}, for unknown-option detection. Kept complete by the compiler. */
export const loadBalancerOptionKeys = Object.keys({
  loadBalancerHost: true,
  adminPort: true,
  adminHost: true,
  healthCheck: true,
  outlierDetection: true,
  slowStart: true,
  retries: true,
  panicThreshold: true,
} satisfies Record<keyof LoadBalancerOptions, true>);
