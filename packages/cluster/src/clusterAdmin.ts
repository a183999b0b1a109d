import { AdminServer, type LoadBalancer, prometheusContentType } from '@lb/proxy';
import type { ClusterManager } from './clusterManager.js';
import { clusterStatus, serveClusterStatus } from './clusterStatus.js';
import type { SharedPortServer } from './sharedPortServer.js';
import { workerMetrics } from './workerMetrics.js';

/**
 * The admin server of a cluster without a load balancer (shared-port or per-port mode), run by the primary:
 * the same routes and dashboard as the balancer's, fed with what the primary knows — its workers, their
 * restarts and memory, and the connections it handed to each.
 */
export function primaryAdmin(
  cluster: ClusterManager,
  shared: SharedPortServer | undefined,
  options: { host: string; port: number },
): AdminServer {
  const admin = new AdminServer(
    {
      metrics: () => workerMetrics(cluster.workers, { handedOver: shared?.handedOver }),
      status: () => clusterStatus(cluster),
      healthy: () => cluster.workers.some((worker) => worker.state === 'ready'),
    },
    options,
  );
  serveClusterStatus(admin, cluster);
  return admin;
}

/**
 * Adds the `lb_worker_*` families to the `/metrics` of the balancer's admin server, so both modes expose the
 * same worker series; the balancer's own per-backend series stay as they are.
 */
export function serveWorkerMetrics(
  admin: AdminServer,
  balancer: LoadBalancer,
  cluster: ClusterManager,
): void {
  admin.route('/metrics', (_req, res) => {
    const body = balancer.metrics() + workerMetrics(cluster.workers);
    res.writeHead(200, {
      'content-type': prometheusContentType,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(body);
  });
}
