// Our LoadBalancer from the built package, HTTP/2 on the client side (h2c prior knowledge) and h2c to each
// backend: the gRPC bench's process under test. LB_MODULE points at another build (grpc.ts's `--baseline`).
const { LoadBalancer } = await import(process.env.LB_MODULE ?? '../../packages/proxy/dist/index.js');
const [portText, ...backends] = process.argv.slice(2);
const lb = new LoadBalancer(
  { loadBalancerPort: Number(portText), loadBalancerHost: '127.0.0.1', http2: true },
  backends.map((port, i) => ({ id: i, host: '127.0.0.1', port: Number(port), protocol: 'h2c' })),
);
await lb.start();
process.send?.('ready');
// Exit when the parent lets go, so a balancer run under a profiler writes its profile.
process.on('disconnect', () => process.exit(0));
