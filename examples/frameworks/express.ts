// Express 5 in a cluster of 4 behind the load balancer. Run: npx tsx examples/frameworks/express.ts
import { ClusterManager, LoadBalancingStrategy } from '@lb/all';
import express from 'express';

if (ClusterManager.isWorker) {
  // A worker: an ordinary Express app on the port the cluster gave it.
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ framework: 'express', pid: process.pid, worker: ClusterManager.processId });
  });
  app.listen(Number(ClusterManager.workerPort), '127.0.0.1');
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
  console.log(`express: 4 workers behind http://localhost:${cluster.address?.port}/`);
}
