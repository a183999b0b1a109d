// Our LoadBalancer from the built package, HTTP/2 on the client side (h2c prior knowledge) and h2c to each
// backend: the gRPC bench's process under test.
const { LoadBalancer } = await import('../../packages/proxy/dist/index.js');
const [portText, ...backends] = process.argv.slice(2);
const lb = new LoadBalancer(
  { loadBalancerPort: Number(portText), loadBalancerHost: '127.0.0.1', http2: true },
  backends.map((port, i) => ({ id: i, host: '127.0.0.1', port: Number(port), protocol: 'h2c' })),
);
await lb.start();
process.send?.('ready');
