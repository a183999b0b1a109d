// node:http in a cluster of 4 behind the load balancer. Run: npx tsx examples/frameworks/node_http.ts
import http from 'node:http';
import { ClusterManager, LoadBalancingStrategy } from '@lb/all';

if (ClusterManager.isWorker) {
  // A worker: a plain node:http server on the port the cluster gave it.
  http
    .createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ framework: 'node:http', pid: process.pid, worker: ClusterManager.processId }));
    })
    .listen(ClusterManager.workerPort, '127.0.0.1');
} else {
  // The primary: 4 copies of this file behind the load balancer. PORT and LB_BASE_PORT override 3000 and 8080.
  const cluster = new ClusterManager({
    processes: 4,
    basePort: Number(process.env.LB_BASE_PORT ?? 8080),
    enableLoadBalancer: true,
    loadBalancerPort: Number(process.env.PORT ?? 3000),
    strategy: LoadBalancingStrategy.roundRobin,
  });
  await cluster.start();
  console.log(`node:http: 4 workers behind http://localhost:${cluster.address?.port}/`);
}
