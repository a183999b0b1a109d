/**
 * The Dart original's first example: one script that is both the primary and its workers.
 *
 *   npx -y pnpm@10.34.8 demo                      # 4 workers behind the load balancer on port 3000
 *   PORT=4000 LB_BASE_PORT=0 pnpm exec tsx examples/cluster_example.ts
 *
 * PORT is the load balancer's port (default 3000, 0 picks a free one); LB_BASE_PORT is the first worker's port
 * (default 8080, 0 picks free ones). Every worker answers with its pid and port. Ctrl-C stops gracefully.
 *
 * The demo script `exec`s `node --import tsx` rather than running `tsx`: /bin/sh (dash) kills itself with the
 * Ctrl-C once its child exits, however gracefully, which pnpm reports as a failure; and tsx's own relay SIGKILLs
 * a child that does not acknowledge a relayed signal within 30 ms.
 */
import { createServer } from 'node:http';
import { ClusterConfig, ClusterManager, LoadBalancingStrategy } from '@lb/all';

// Inside a worker these come from LB_PROCESS_ID and LB_WORKER_PORT; in the primary they are undefined.
const processId = ClusterManager.processId;
const workerPort = ClusterManager.workerPort;

if (processId !== undefined && workerPort !== undefined) {
  startWorker(workerPort);
} else {
  await startCluster();
}

function startWorker(port: number): void {
  // Bound to loopback, so traffic reaches workers only through the load balancer.
  createServer((_req, res) => {
    res.end(`Hello from worker ${process.pid} on port ${port}\n`);
  }).listen(port, '127.0.0.1');
}

async function startCluster(): Promise<void> {
  const config = new ClusterConfig({
    processes: 4,
    basePort: Number(process.env.LB_BASE_PORT ?? 8080),
    enableLoadBalancer: true,
    loadBalancerPort: Number(process.env.PORT ?? 3000),
    strategy: LoadBalancingStrategy.roundRobin,
  });
  // The workers run this same script (and, through tsx, this same TypeScript loader).
  const cluster = new ClusterManager(config);
  await cluster.start();
  const port = cluster.address?.port;
  const pids = cluster.workers.map((worker) => worker.pid).join(', ');
  console.log(
    `Load balancer listening on http://localhost:${port} (workers ${pids}); try: curl localhost:${port}`,
  );
}
