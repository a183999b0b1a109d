// Our LoadBalancer from the built package (run `pnpm --filter @lb/proxy build` first).
import { LoadBalancer } from '../../packages/proxy/dist/index.js';

const [portText, strategy, ...backends] = process.argv.slice(2);
const lb = new LoadBalancer(
  { loadBalancerPort: Number(portText), loadBalancerHost: '127.0.0.1', strategy },
  backends.map((port, i) => ({ id: i, host: '127.0.0.1', port: Number(port) })),
);
await lb.start();
process.send?.('ready');
