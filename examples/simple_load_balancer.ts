// The seed's standalone load balancer: three backends on ports 8081–8083 behind least connections on port 3000.
// Run: npx tsx examples/simple_load_balancer.ts, then curl http://localhost:3000/
// PORT (balancer), LB_BASE_PORT (first backend; 0 picks free ports) and LB_ADMIN_PORT (dashboard, /metrics)
// override them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClusterConfig, LoadBalancer, LoadBalancingStrategy, ProcessInfo } from '@lb/all';

const loadBalancerPort = Number(process.env.PORT ?? 3000);
const basePort = Number(process.env.LB_BASE_PORT ?? 8081);
const adminPort = process.env.LB_ADMIN_PORT === undefined ? undefined : Number(process.env.LB_ADMIN_PORT);

// Any HTTP servers will do as backends; these three answer with their id and port.
const servers = [0, 1, 2].map((id) =>
  http.createServer((req, res) => res.end(`Hello from backend ${id} on port ${req.socket.localPort}\n`)),
);
await Promise.all(
  servers.map(
    (server, id) =>
      new Promise<void>((resolve) => server.listen(basePort === 0 ? 0 : basePort + id, '127.0.0.1', resolve)),
  ),
);

const backends = servers.map(
  (server, id) => new ProcessInfo({ id, port: (server.address() as AddressInfo).port }),
);

const config = new ClusterConfig({
  processes: backends.length,
  basePort,
  loadBalancerPort,
  strategy: LoadBalancingStrategy.leastConnections,
  adminPort,
});

const loadBalancer = new LoadBalancer(config, backends);
await loadBalancer.start();
console.log(`load balancer on http://localhost:${loadBalancer.address?.port} → ${backends.join(', ')}`);
if (loadBalancer.adminAddress)
  console.log(`dashboard on http://127.0.0.1:${loadBalancer.adminAddress.port}/`);

// Ctrl-C (or SIGTERM): let in-flight requests finish, then close the backends.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await loadBalancer.stop();
    for (const server of servers) server.close();
    console.log('stopped');
  });
}
