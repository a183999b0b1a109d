// Our LoadBalancer from the built package (run `pnpm --filter @lb/proxy build` first). LB_MODULE points at
// another build (the bench's `--baseline`); LB_TLS_KEY and LB_TLS_CERT (PEM files) make it terminate TLS;
// LB_HTTP2=1 turns `http2` on (h2.ts).
// LB_UPSTREAM_PROTOCOL (`h2c`) makes it speak HTTP/2 to the backends.
import { readFileSync } from 'node:fs';

const { LoadBalancer } = await import(process.env.LB_MODULE ?? '../../packages/proxy/dist/index.js');
const [portText, strategy, ...backends] = process.argv.slice(2);
const { LB_TLS_KEY: key, LB_TLS_CERT: cert, LB_UPSTREAM_PROTOCOL: upstreamProtocol } = process.env;
const lb = new LoadBalancer(
  {
    loadBalancerPort: Number(portText),
    loadBalancerHost: '127.0.0.1',
    strategy,
    ...(process.env.LB_HTTP2 === '1' ? { http2: true } : {}),
    ...(key && cert ? { tls: { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') } } : {}),
    ...(upstreamProtocol ? { upstreamProtocol } : {}),
  },
  backends.map((port, i) => ({ id: i, host: '127.0.0.1', port: Number(port) })),
);
await lb.start();
process.send?.('ready');
