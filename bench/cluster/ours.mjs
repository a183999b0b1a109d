// Our cluster in its own process: MODE=proxy (behind the LoadBalancer) or MODE=shared (shared port, no proxy).
// Prints the public port and the worker pids as one JSON line once every worker is ready.
import { fileURLToPath } from 'node:url';
import { ClusterManager } from '@lb/all';

const app = fileURLToPath(new URL('./app.cjs', import.meta.url));
const port = Number(process.env.PORT);
const mode = process.env.MODE ?? 'proxy';
const manager = new ClusterManager(
  {
    processes: Number(process.env.WORKERS ?? 2),
    basePort: 0,
    // Each of the benchmark's SIGKILLs, 1.2 s apart, is then a first crash (PM2 and node:cluster never back off).
    stableUptime: 1_000,
    ...(mode === 'proxy'
      ? { enableLoadBalancer: true, loadBalancerPort: port, loadBalancerHost: '127.0.0.1' }
      : { sharedPort: port, loadBalancerHost: '127.0.0.1' }),
  },
  [app],
  { stdout: process.stderr },
);
await manager.start();
console.log(JSON.stringify({ pids: manager.workers.map((w) => w.pid) }));
