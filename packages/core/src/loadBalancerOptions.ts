/**
 * Options of the HTTP load balancer that live on {@link ClusterConfigOptions} too, so one config object drives a
 * whole cluster. `@lb/proxy` reads and validates them.
 */
export interface LoadBalancerOptions {
  /** Interface the load balancer listens on. @default all interfaces, as in the Dart original */
  loadBalancerHost?: string;
  /** Port of the admin server (`/metrics`, `/status`, `/healthz`); off when unset. `0` picks a free port. */
  adminPort?: number;
  /** Interface of the admin server. @default '127.0.0.1' */
  adminHost?: string;
}

/** Every key of {@link LoadBalancerOptions}, for unknown-option detection. Kept complete by the compiler. */
export const loadBalancerOptionKeys = Object.keys({
  loadBalancerHost: true,
  adminPort: true,
  adminHost: true,
} satisfies Record<keyof LoadBalancerOptions, true>);
