import {
  type Backend,
  type ClusterConfigOptions,
  type LoadBalancerOptions,
  type LoadBalancingStrategyName,
  type ResolvedResilienceOptions,
  type Strategy,
  type TlsOptions,
  type UnderscoreHeaders,
  validateResilienceOptions,
} from '@lb/core';
import { compileTrustProxy, type TrustPredicate } from './http/trustProxy.js';

/** Every load-balancer option with its default applied, as the request path reads them. */
export interface ResolvedProxyOptions extends ResolvedResilienceOptions {
  readonly port: number;
  readonly host: string | undefined;
  readonly strategy: LoadBalancingStrategyName | Strategy<Backend>;
  readonly panicThreshold: number;
  readonly adminPort: number | undefined;
  readonly adminHost: string;
  readonly connectTimeout: number;
  readonly responseTimeout: number;
  readonly idleTimeout: number;
  readonly tunnelIdleTimeout: number;
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly maxHeaderSize: number;
  readonly maxHeaderCount: number;
  readonly allowTrace: boolean;
  readonly underscoreHeaders: UnderscoreHeaders;
  readonly maxConnectionsPerBackend: number;
  readonly maxIdleConnectionsPerBackend: number;
  readonly upstreamIdleTimeout: number;
  readonly trust: TrustPredicate;
  readonly forwarded: boolean;
  readonly via: string | false;
  readonly tls: TlsOptions | undefined;
}

/** Applies the documented defaults to already validated options. */
export function resolveProxyOptions(config: Readonly<ClusterConfigOptions>): ResolvedProxyOptions {
  const o: Readonly<LoadBalancerOptions> = config;
  return {
    ...validateResilienceOptions(o),
    port: config.loadBalancerPort ?? 0,
    host: o.loadBalancerHost,
    strategy: config.strategy ?? 'roundRobin',
    panicThreshold: o.panicThreshold ?? 0,
    adminPort: o.adminPort,
    adminHost: o.adminHost ?? '127.0.0.1',
    connectTimeout: o.connectTimeout ?? 5000,
    responseTimeout: o.responseTimeout ?? 30_000,
    idleTimeout: o.idleTimeout ?? 60_000,
    tunnelIdleTimeout: o.tunnelIdleTimeout ?? 3_600_000,
    headersTimeout: o.headersTimeout ?? 10_000,
    requestTimeout: o.requestTimeout ?? 300_000,
    keepAliveTimeout: o.keepAliveTimeout ?? 5000,
    maxHeaderSize: o.maxHeaderSize ?? 16_384,
    maxHeaderCount: o.maxHeaderCount ?? 100,
    allowTrace: o.allowTrace ?? false,
    underscoreHeaders: o.underscoreHeaders ?? 'drop',
    maxConnectionsPerBackend: o.maxConnectionsPerBackend ?? 256,
    maxIdleConnectionsPerBackend: o.maxIdleConnectionsPerBackend ?? 64,
    upstreamIdleTimeout: o.upstreamIdleTimeout ?? 4000,
    trust: compileTrustProxy(o.trustProxy),
    forwarded: o.forwarded ?? false,
    via: o.via ?? 'lb',
    tls: o.tls,
  };
}
