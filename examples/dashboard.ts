// A cluster of 4 with the admin server on: open http://127.0.0.1:9090/ for the live dashboard (state, pid,
// restarts, CPU, memory, requests/s by status class, errors, health checks, latency per worker, and the event
// log). Kill a worker (kill -9 <pid>) to watch it restart; GET /fail answers 500, to see a 5xx.
// Run: npx tsx examples/dashboard.ts   (PORT, LB_BASE_PORT and LB_ADMIN_PORT override 3000, 8080 and 9090;
// LB_MODE=shared-port runs the workers on one shared port, without the proxy)
import http from 'node:http';
import { ClusterManager, LoadBalancingStrategy } from '@lb/all';

if (ClusterManager.isWorker) {
  // Answers take 1–20 ms, so the latency charts have something to show.
  let served = 0;
  http
    .createServer((req, res) => {
      served += 1;
      if (req.url === '/fail') res.statusCode = 500;
      setTimeout(
        () => res.end(`worker ${ClusterManager.processId} (pid ${process.pid})\n`),
        1 + (served % 20),
      );
    })
    .listen(ClusterManager.workerPort, '127.0.0.1');
} else {
  const port = Number(process.env.PORT ?? 3000);
  const cluster = new ClusterManager({
    processes: 4,
    basePort: Number(process.env.LB_BASE_PORT ?? 8080),
    ...(process.env.LB_MODE === 'shared-port'
      ? { sharedPort: port, loadBalancerHost: '127.0.0.1' }
      : {
          enableLoadBalancer: true,
          loadBalancerPort: port,
          strategy: LoadBalancingStrategy.leastConnections,
        }),
    // The admin server listens on 127.0.0.1 only: /, /dashboard.json, /status, /metrics and /healthz.
    adminPort: Number(process.env.LB_ADMIN_PORT ?? 9090),
  });
  cluster.on('workerRestart', (id, delay) => console.log(`worker ${id} exited; restarting in ${delay} ms`));
  await cluster.start();
  console.log(`4 workers behind http://localhost:${cluster.address?.port}/`);
  console.log(`dashboard on http://127.0.0.1:${cluster.adminAddress?.port}/`);
}
