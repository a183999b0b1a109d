// The LoadBalancer of `features.ts` in one of its shapes (argv: port, mode, backend ports…):
// - `plain`: one list of backends, no routes, no hooks, no PROXY protocol (the reference row);
// - `routed`: 100 routes (50 on host names, 50 on path prefixes; only the last one matches the bench's requests)
//   over two groups, plus an `onRequest` and an `onResponse` hook that each set one header;
// - `proxy`: the plain balancer with `proxyProtocol` trusting 127.0.0.1, so every connection must open with a
//   PROXY header.
// `LB_PROXY_DIST` may name another build of @lb/proxy (a copy of an earlier `dist/index.js`, for before/after
// profiles). The process exits when its parent disconnects, so that `--cpu-prof` can write its profile.
const { LoadBalancer } = await import(process.env.LB_PROXY_DIST ?? '../../packages/proxy/dist/index.js');
const [portText, mode, ...ports] = process.argv.slice(2);
const backends = ports.map((port, i) => ({ id: `b${i}`, host: '127.0.0.1', port: Number(port) }));
const base = { loadBalancerPort: Number(portText), loadBalancerHost: '127.0.0.1', strategy: 'roundRobin' };

function routed() {
  const routes = [];
  for (let i = 0; i < 50; i++) {
    routes.push({ name: `host-${i}`, match: { host: `svc${i}.example.com` }, group: 'other' });
    routes.push({ name: `path-${i}`, match: { pathPrefix: `/svc${i}` }, group: 'other' });
  }
  // The 100th route takes the bench's requests (Host: app.example.com, GET /app/x), after 99 that do not.
  routes[99] = { name: 'app', match: { host: 'app.example.com', pathPrefix: '/app' }, group: 'web' };
  return new LoadBalancer({
    ...base,
    groups: { web: { backends }, other: { backends } },
    routes,
    onRequest: (ctx) => ctx.setHeader('x-request-tag', 'bench'),
    onResponse: (_ctx, response) => response.setHeader('x-served-by', 'lb'),
  });
}

const lb =
  mode === 'routed'
    ? routed()
    : new LoadBalancer(
        mode === 'proxy' ? { ...base, proxyProtocol: { trusted: ['127.0.0.1'] } } : base,
        backends,
      );
await lb.start();
process.send?.('ready');
process.once('disconnect', () => process.exit(0));
