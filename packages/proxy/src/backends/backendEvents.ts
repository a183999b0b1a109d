import type { BackendStatus } from './backendStatus.js';

/** What a backend set announces: every change of membership, health or drain, one event per change. */
export type BackendEvents = {
  /** A backend was added at run time (`addBackend`, `setBackends`). */
  backendAdded: [backend: BackendStatus];
  /** A backend was removed (`removeBackend`, or by `setBackends` once drained). */
  backendRemoved: [backend: BackendStatus];
  /** A backend went from down back to up (health checks, `setBackendHealth`, recovery from ejection). */
  backendUp: [backend: BackendStatus];
  /** A backend stopped taking traffic; `reason` says why (`marked down`, `health check: …`, `ejected`). */
  backendDown: [backend: BackendStatus, reason: string];
  /** Outlier detection ejected a backend until the given clock time (ms since the epoch). */
  backendEjected: [backend: BackendStatus, until: number];
  /** An ejected backend's ejection time passed. */
  backendRecovered: [backend: BackendStatus];
  /** A backend began draining (`drain`, or `setBackends` leaving it out). */
  backendDraining: [backend: BackendStatus];
  /** A backend's configured weight changed (`setWeight`, `setBackends`). */
  backendWeightChanged: [backend: BackendStatus];
};
