/**
 * A cluster in shared-port mode whose workers count their own requests with prom-client; the primary serves every
 * worker's series, each under a `worker` label, next to its own `lb_worker_*` series at the admin `/metrics`.
 *
 *   npx tsx examples/cluster_app_metrics.ts      # app on port 3000, admin on 9090
 *   curl -s localhost:3000/ ; curl -s localhost:9090/metrics | grep app_
 *
 * PORT and ADMIN_PORT override the ports (0 picks a free one).
 */
import { createServer } from 'node:http';
import { ClusterManager } from '@lb/all';
import { Counter, Registry } from 'prom-client';

if (ClusterManager.isWorker) startWorker(ClusterManager.workerPort ?? 0);
else await startCluster();

function startWorker(port: number): void {
  const registry = new Registry();
  const requests = new Counter({
    name: 'app_requests_total',
    help: 'Requests the app answered.',
    registers: [registry],
  });
  // The primary serves the last text it got; once a second keeps it at most a second old.
  const report = async () => ClusterManager.reportMetrics(await registry.metrics());
  setInterval(report, 1_000).unref();
  createServer((_req, res) => {
    requests.inc();
    res.end(`Hello from worker ${ClusterManager.processId} (pid ${process.pid})\n`);
  }).listen(port, () => void report());
}

async function startCluster(): Promise<void> {
  const cluster = new ClusterManager({
    processes: 2,
    sharedPort: Number(process.env.PORT ?? 3000),
    adminPort: Number(process.env.ADMIN_PORT ?? 9090),
  });
  await cluster.start();
  console.log(
    `app on http://localhost:${cluster.address?.port}, metrics on http://localhost:${cluster.adminAddress?.port}/metrics`,
  );
}
