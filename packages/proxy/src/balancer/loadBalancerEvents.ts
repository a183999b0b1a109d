import type { LbError } from '@lb/core';
import type { BackendStatus } from '../backends/backendRegistry.js';

/**
 * Events of `LoadBalancer`. Per-request failures arrive as `proxyError`, never as `error`, so a balancer with no
 * listeners cannot be crashed by what a client or backend does; `error` (optional) reports listener failures.
 */
export type LoadBalancerEvents = {
  /** A backend was added with `addBackend`. */
  backendAdded: [backend: BackendStatus];
  /** A backend was removed with `removeBackend`. */
  backendRemoved: [backend: BackendStatus];
  /** A backend went from down back to up (health checks, `setBackendHealth`, recovery from ejection). */
  backendUp: [backend: BackendStatus];
  /** A backend stopped taking traffic; `reason` says why (`marked down`, `health check: …`, `ejected`). */
  backendDown: [backend: BackendStatus, reason: string];
  /** Outlier detection ejected a backend until the given clock time (ms since the epoch). */
  backendEjected: [backend: BackendStatus, until: number];
  /** An ejected backend's ejection time passed. */
  backendRecovered: [backend: BackendStatus];
  /** `drain` began for a backend. */
  backendDraining: [backend: BackendStatus];
  /** A request to a backend failed (it may have been retried); `backend` is unset when none was chosen. */
  proxyError: [error: LbError, backend: BackendStatus | undefined];
  /**
   * The listener failed after it started, or handling a client connection threw where no rule expected it (that
   * connection is closed, nothing else is touched). Optional: nothing throws when nobody listens.
   */
  error: [error: Error];
};
