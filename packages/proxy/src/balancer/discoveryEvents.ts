import type { DiscoverySnapshot } from '@lb/core';

/** What a balancer with a `discovery` source announces about it. */
export type DiscoveryEvents = {
  /** A fresh snapshot was applied with `setBackends`. */
  discoveryUpdated: [snapshot: DiscoverySnapshot];
  /** The source could not refresh: the last good set keeps serving until it can (`lb_discovery_stale` is 1). */
  discoveryStale: [error: Error, snapshot: DiscoverySnapshot];
  /** One refresh failed, or a snapshot could not be applied; reported every time. */
  discoveryError: [error: Error];
};
