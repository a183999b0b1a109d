import { AdminServer, PrometheusWriter, prometheusContentType, writeProcessMetrics } from '@lb/proxy';
import type { ClusterManager } from './clusterManager.js';
import { clusterStatus, serveClusterStatus } from './clusterStatus.js';

/** The primary's own `process_*` series, as the balancer's `/metrics` has them in proxy mode. */
export function primaryProcessMetrics(): string {
  const out = new PrometheusWriter();
  writeProcessMetrics(out);
  return out.toString();
}

/**
 * The admin server of a cluster without a load balancer (shared-port or per-port mode), run by the primary:
 * the same routes and dashboard as the balancer's, fed with what the primary knows — its workers, their
 * restarts and usage, the connections it handed to each, the metrics their apps reported, and its own
 * `process_*` series (all given as `workerMetrics`).
 */
export function primaryAdmin(
  cluster: ClusterManager,
  workerMetrics: () => string,
  options: { host: string; port: number },
): AdminServer {
  const admin = new AdminServer(
    {
      metrics: workerMetrics,
      status: () => clusterStatus(cluster),
      healthy: () => cluster.workers.some((worker) => worker.state === 'ready'),
    },
    options,
  );
  serveClusterStatus(admin, cluster);
  return admin;
}

/**
 * Makes the `/metrics` of the balancer's admin server the cluster's exposition (the balancer's own series first,
 * then the `lb_worker_*` and app series), so both modes expose the same series.
 */
export function serveWorkerMetrics(admin: AdminServer, metrics: () => string): void {
  admin.route('/metrics', (_req, res) => {
    const body = metrics();
    res.writeHead(200, {
      'content-type': prometheusContentType,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(body);
  });
}
