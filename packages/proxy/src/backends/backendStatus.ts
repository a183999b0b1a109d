import type { BackendHealth, BackendId } from '@lb/core';

/** A point-in-time view of one backend, as `LoadBalancer.backends` reports it. */
export interface BackendStatus {
  readonly id: BackendId;
  /** The backend group, for backends of a named group (`groups` option). */
  readonly group?: string;
  readonly host: string;
  readonly port: number;
  /** The configured weight. */
  readonly weight: number;
  /** The weight the strategy uses now (lower than `weight` during slow start). */
  readonly effectiveWeight: number;
  /** What the strategy sees: `down` when marked down, failing checks or ejected; `draining` while draining. */
  readonly health: BackendHealth;
  /** Requests (and open tunnels or TCP connections) being served by this backend now. */
  readonly inFlight: number;
  /** Whether outlier detection has ejected it. */
  readonly ejected: boolean;
  /** Whether it is draining (takes no new requests). */
  readonly draining: boolean;
}
