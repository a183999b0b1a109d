/**
 * The default of every scalar load-balancer option, in one table: validation, `ClusterConfig` and the
 * balancers read it, so a default is stated once. Object-valued options (`healthCheck`, `retries`, …) resolve
 * their own defaults in `validateResilienceOptions`.
 */
export const loadBalancerDefaults = Object.freeze({
  loadBalancerPort: 0,
  strategy: 'roundRobin',
  adminHost: '127.0.0.1',
  panicThreshold: 0,
  connectTimeout: 5000,
  responseTimeout: 30_000,
  idleTimeout: 60_000,
  tunnelIdleTimeout: 3_600_000,
  headersTimeout: 10_000,
  requestTimeout: 300_000,
  keepAliveTimeout: 5000,
  maxHeaderSize: 16_384,
  maxHeaderCount: 100,
  allowTrace: false,
  underscoreHeaders: 'drop',
  maxConnectionsPerBackend: 256,
  maxIdleConnectionsPerBackend: 64,
  upstreamIdleTimeout: 4000,
  upstreamPingInterval: 10_000,
  upstreamPingTimeout: 10_000,
  trustProxy: false,
  forwarded: false,
  via: 'lb',
  proxyProtocolTimeout: 5000,
  http2: false,
  upstreamProtocol: 'http1',
} as const);
