// A cluster of 4 with the admin server on: open http://127.0.0.1:9090/ for the live dashboard (state, pid,
// restarts, uptime, memory, requests/s and latency per worker). Kill a worker (kill -9 <pid>) to watch it restart.
// Run: npx tsx examples/dashboard.ts   (PORT, LB_BASE_PORT and LB_ADMIN_PORT override 3000, 8080 and 9090)
import http from 'node:http';
import { ClusterManager, LoadBalancingStrategy } from '@lb/all';

if (ClusterManager.isWorker) {
  // Answers take 1–20 ms, so the latency charts have something to show.
  let served = 0;
  http
    .createServer((_req, res) => {
      served += 1;
      setTimeout(
        () => res.end(`worker ${ClusterManager.processId} (pid ${process.pid})\n`),
        1 + (served % 20),
      );
    })
    .listen(ClusterManager.workerPort, '127.0.0.1');
} else {
  const cluster = new ClusterManager({
    processes: 4,
    basePort: Number(process.env.LB_BASE_PORT ?? 8080),
    enableLoadBalancer: true,
    loadBalancerPort: Number(process.env.PORT ?? 3000),
    strategy: LoadBalancingStrategy.leastConnections,
    // The admin server listens on 127.0.0.1 only: /, /status, /metrics and /healthz.
    adminPort: Number(process.env.LB_ADMIN_PORT ?? 9090),
  });
  cluster.on('workerRestart', (id, delay) => console.log(`worker ${id} exited; restarting in ${delay} ms`));
  await cluster.start();
  console.log(`4 workers behind http://localhost:${cluster.address?.port}/`);
  console.log(`dashboard on http://127.0.0.1:${cluster.adminAddress?.port}/`);
}
