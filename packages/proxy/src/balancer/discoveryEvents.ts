import type { DiscoverySnapshot } from '@lb/core';

/**
 * What a balancer with a `discovery` source (its own, or a group's) announces about it; `group` names the group
 * the source fills (`default` for the balancer's own `discovery`).
 */
export type DiscoveryEvents = {
  /** A fresh snapshot was applied with `setBackends`. */
  discoveryUpdated: [snapshot: DiscoverySnapshot, group: string];
  /** The source could not refresh: the last good set keeps serving until it can (`lb_discovery_stale` is 1). */
  discoveryStale: [error: Error, snapshot: DiscoverySnapshot, group: string];
  /** One refresh failed, or a snapshot could not be applied; reported every time. */
  discoveryError: [error: Error, group: string];
};
