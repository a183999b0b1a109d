import {
  type Backend,
  type LoadBalancingStrategyName,
  loadBalancerDefaults,
  type ResolvedResilienceOptions,
  type Strategy,
  type TlsOptions,
  type UnderscoreHeaders,
  type UpstreamProtocol,
  type UpstreamTlsOptions,
} from '@lb/core';
import { validateResilienceOptions } from '@lb/core/internal';
import { compileTrustProxy, type TrustPredicate } from '../protocol/http1/trustProxy.js';
import type { LoadBalancerConfig } from './balancerOptions.js';
import type { OnRequestHook, OnResponseHook } from './requestHooks.js';
import { type ResolvedTracing, resolveTracing } from './tracingOptions.js';

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
  /** PINGs on upstream HTTP/2 sessions; off when undefined. */
  readonly upstreamPing: { readonly interval: number; readonly timeout: number } | undefined;
  readonly trust: TrustPredicate;
  readonly forwarded: boolean;
  readonly via: string | false;
  readonly tls: TlsOptions | undefined;
  /** Serve HTTP/2 (ALPN `h2`, prior knowledge in cleartext) besides HTTP/1.1. */
  readonly http2: boolean;
  /** TLS to the backends (a backend's own `tls` overrides it); plain TCP when undefined. */
  readonly upstreamTls: UpstreamTlsOptions | undefined;
  /** The protocol to backends without a `protocol` of their own. */
  readonly upstreamProtocol: UpstreamProtocol;
  /** Who must open with a PROXY protocol header, and how long they may take; off when undefined. */
  readonly proxyProtocol: { readonly trusted: TrustPredicate; readonly timeout: number } | undefined;
  /** Off (nothing added, nothing looked at) when undefined. */
  readonly tracing: ResolvedTracing | undefined;
  readonly onRequest: OnRequestHook | undefined;
  readonly onResponse: OnResponseHook | undefined;
}

/** Applies the defaults of `loadBalancerDefaults` to already validated options. */
export function resolveProxyOptions(config: Readonly<LoadBalancerConfig>): ResolvedProxyOptions {
  const o = config;
  const d = loadBalancerDefaults;
  return {
    ...validateResilienceOptions(o),
    port: o.loadBalancerPort ?? d.loadBalancerPort,
    host: o.loadBalancerHost,
    strategy: o.strategy ?? d.strategy,
    panicThreshold: o.panicThreshold ?? d.panicThreshold,
    adminPort: o.adminPort,
    adminHost: o.adminHost ?? d.adminHost,
    connectTimeout: o.connectTimeout ?? d.connectTimeout,
    responseTimeout: o.responseTimeout ?? d.responseTimeout,
    idleTimeout: o.idleTimeout ?? d.idleTimeout,
    tunnelIdleTimeout: o.tunnelIdleTimeout ?? d.tunnelIdleTimeout,
    headersTimeout: o.headersTimeout ?? d.headersTimeout,
    requestTimeout: o.requestTimeout ?? d.requestTimeout,
    keepAliveTimeout: o.keepAliveTimeout ?? d.keepAliveTimeout,
    maxHeaderSize: o.maxHeaderSize ?? d.maxHeaderSize,
    maxHeaderCount: o.maxHeaderCount ?? d.maxHeaderCount,
    allowTrace: o.allowTrace ?? d.allowTrace,
    underscoreHeaders: o.underscoreHeaders ?? d.underscoreHeaders,
    maxConnectionsPerBackend: o.maxConnectionsPerBackend ?? d.maxConnectionsPerBackend,
    maxIdleConnectionsPerBackend: o.maxIdleConnectionsPerBackend ?? d.maxIdleConnectionsPerBackend,
    upstreamIdleTimeout: o.upstreamIdleTimeout ?? d.upstreamIdleTimeout,
    upstreamPing:
      o.upstreamPing === false
        ? undefined
        : {
            interval: o.upstreamPing?.interval ?? d.upstreamPingInterval,
            timeout: o.upstreamPing?.timeout ?? d.upstreamPingTimeout,
          },
    trust: compileTrustProxy(o.trustProxy ?? d.trustProxy),
    forwarded: o.forwarded ?? d.forwarded,
    via: o.via ?? d.via,
    tls: o.tls,
    http2: o.http2 ?? d.http2,
    upstreamTls: o.upstreamTls === true ? {} : o.upstreamTls || undefined,
    upstreamProtocol: o.upstreamProtocol ?? d.upstreamProtocol,
    proxyProtocol: o.proxyProtocol && {
      trusted: compileTrustProxy(o.proxyProtocol.trusted),
      timeout: o.proxyProtocol.timeout ?? d.proxyProtocolTimeout,
    },
    tracing: resolveTracing(o.tracing),
    onRequest: o.onRequest,
    onResponse: o.onResponse,
  };
}
