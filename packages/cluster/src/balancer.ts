import type { Backend, BackendId, ClusterConfig } from '@lb/core';
import { LbError } from '@lb/core';

/** The part of `@lb/proxy`'s `LoadBalancer` a cluster drives. */
export interface ClusterBalancer {
  start(): Promise<void>;
  stop(options?: { timeout?: number }): Promise<void>;
  readonly address: { host: string; port: number } | undefined;
  addBackend(backend: Backend): void;
  removeBackend(id: BackendId): void;
  drain(id: BackendId): Promise<void>;
  setBackendHealth(id: BackendId, health: 'up' | 'down'): void;
}

type BalancerConstructor = new (config: ClusterConfig, backends?: readonly Backend[]) => ClusterBalancer;

/** Creates the `@lb/proxy` load balancer for a cluster, loaded only when the balancer is enabled. */
export async function createBalancer(config: ClusterConfig): Promise<ClusterBalancer> {
  const proxy = (await import('@lb/proxy')) as { LoadBalancer?: BalancerConstructor };
  if (typeof proxy.LoadBalancer !== 'function') {
    throw new LbError('LB_ERR_NOT_STARTED', 'This build of @lb/proxy has no LoadBalancer.');
  }
  return new proxy.LoadBalancer(config, []);
}
