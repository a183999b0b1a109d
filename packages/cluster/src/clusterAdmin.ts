import { ClusterConfig } from '@lb/core';
import { AdminServer, PrometheusWriter, writeProcessMetrics } from '@lb/proxy';
import type { ClusterManager } from './clusterManager.js';
import { clusterStatus } from './clusterStatus.js';

/** What a cluster's admin server reports beyond its `/status`. */
export interface ClusterAdminProvider {
  /** The balancer's series (in proxy mode), then the `lb_worker_*` and app series. */
  metrics(): string;
  /** `/healthz`: the balancer has a backend up (proxy mode), or a worker is ready. */
  healthy(): boolean;
  /** `/readyz`: started, not stopping, and healthy. */
  ready(): boolean;
}

/** The primary's own `process_*` series, as the balancer's `/metrics` has them in proxy mode. */
export function primaryProcessMetrics(): string {
  const out = new PrometheusWriter();
  writeProcessMetrics(out);
  return out.toString();
}

/**
 * The admin server of a cluster in every mode, run by the primary: the same routes and dashboard as a
 * balancer's, fed with what the primary knows (its workers, their restarts and usage, the connections it handed
 * to each, the metrics their apps reported, and the balancer's own series in proxy mode or the primary's
 * `process_*` series without one). The cluster owns it rather than its balancer, so it answers from before the
 * first worker starts until every worker has exited: `/livez` through the whole drain, `/readyz` 503 at its start.
 */
export function clusterAdmin(
  cluster: ClusterManager,
  provider: ClusterAdminProvider,
  options: { host: string; port: number },
): AdminServer {
  return new AdminServer(
    {
      metrics: () => provider.metrics(),
      status: () => clusterStatus(cluster),
      healthy: () => provider.healthy(),
      ready: () => provider.ready(),
    },
    options,
  );
}

/** The cluster's config for its balancer: without `adminPort`, since the cluster serves the admin routes itself. */
export function balancerConfig(config: ClusterConfig): ClusterConfig {
  return config.adminPort === undefined ? config : new ClusterConfig({ ...config, adminPort: undefined });
}
