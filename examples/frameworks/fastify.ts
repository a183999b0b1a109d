// Fastify in a cluster of 4 behind the load balancer. Run: npx tsx examples/frameworks/fastify.ts
import { ClusterManager, LoadBalancingStrategy } from '@lb/all';
import Fastify from 'fastify';

if (ClusterManager.isWorker) {
  // A worker: an ordinary Fastify app on the port the cluster gave it.
  const app = Fastify();
  app.get('/', async () => ({ framework: 'fastify', pid: process.pid, worker: ClusterManager.processId }));
  await app.listen({ port: ClusterManager.workerPort, host: '127.0.0.1' });
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
  console.log(`fastify: 4 workers behind http://localhost:${cluster.address?.port}/`);
}
