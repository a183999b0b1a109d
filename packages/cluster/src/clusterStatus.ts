import type { LoadBalancerStats } from '@lb/proxy';
import type { ClusterManager } from './clusterManager.js';
import type { WorkerInfo } from './workerInfo.js';

/** The admin `/status` of a cluster: its workers, and the load balancer's stats when it has one. */
export interface ClusterStatus {
  /** The public address, as `ClusterManager.address`. */
  readonly address: { host: string; port: number } | undefined;
  /** Every live worker: pid, state, restarts, uptime, memory and its backend id in the balancer. */
  readonly workers: readonly WorkerInfo[];
  /** `LoadBalancer.stats()`: per-backend counters and latency, keyed by each worker's `backendId`. */
  readonly balancer: LoadBalancerStats | undefined;
}

/** A JSON-serialisable snapshot of a cluster, as served at `/status` by its admin server. */
export function clusterStatus(cluster: ClusterManager): ClusterStatus {
  return { address: cluster.address, workers: cluster.workers, balancer: cluster.balancer?.stats() };
}
