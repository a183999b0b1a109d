import {
  assertKnownKeys,
  assertPort,
  ClusterConfig,
  ConfigError,
  clusterOnlyOptionKeys,
  type DiscoverySource,
  fail,
  type LoadBalancerOptions,
  type LoadBalancingStrategyName,
  loadBalancerOptionKeys,
  type Strategy,
  type UpstreamProtocol,
  type UpstreamTls,
  validateLoadBalancerOptions,
  validateStrategyOption,
  validateUpstreamProtocol,
  validateUpstreamTls,
} from '@lb/core';
import type { AccessLogConfig } from '../accessLog/accessLogConfig.js';
import type { Route } from '../routing/route.js';
import { validateAccessLogConfig } from './accessLogOptions.js';
import { type BackendGroupConfig, validateGroupConfig } from './groupOptions.js';
import type { OnRequestHook, OnResponseHook } from './requestHooks.js';
import { type TracingConfig, validateTracingConfig } from './tracingOptions.js';

/** Options of `LoadBalancer`: where it listens, how it picks, and every shared load-balancer option. */
export interface LoadBalancerConfig extends LoadBalancerOptions {
  /** Port to listen on; `0` picks a free one (read it back from `address`). @default 0 */
  loadBalancerPort?: number;
  /** A built-in strategy name or your own {@link Strategy}. @default 'roundRobin' */
  strategy?: LoadBalancingStrategyName | Strategy;
  /**
   * Named backend groups, each with its own backends, strategy, health and retries (what a group leaves out
   * comes from these top-level options). The balancer's own backend list, when given, is the group `default`.
   */
  groups?: Readonly<Record<string, BackendGroupConfig>>;
  /** Which group takes a request: the first route that matches; no match and no default route gives 404. */
  routes?: readonly Route[];
  /**
   * Where the backends come from: a source (`dnsDiscovery`, `srvDiscovery`, `fileDiscovery`,
   * `kubernetesDiscovery` from `@lb/discovery`, or your own) followed from `start()` to `stop()`, each fresh
   * snapshot applied with `setBackends` to the group `default`. It replaces the backends given to the constructor. Not a cluster
   * option: a cluster's backends are its own workers. Off when unset.
   */
  discovery?: DiscoverySource;
  /**
   * One line per request (per connection for `TcpLoadBalancer`) in `json` or `combined` format, written to a
   * stream or appended to a file, buffered so a slow stream drops lines (counted by
   * `lb_access_log_dropped_total`) rather than slowing the proxy. Not a cluster option: each balancer owns its
   * stream. Off when unset.
   */
  accessLog?: AccessLogConfig;
  /**
   * W3C `traceparent` and `tracestate` always pass unchanged; this adds a `traceparent` to requests without a
   * valid one (`generate`) and a request id (`x-request-id` unless renamed or `false`) to those without one.
   * HTTP only. Off when unset.
   */
  tracing?: TracingConfig;
  /**
   * Called synchronously for every request before a backend is picked: read it, edit its headers and path, pick
   * a group, or answer it directly (`docs/hooks.md`). A throw answers 500 and emits `error`. Upgrades skip it.
   */
  onRequest?: OnRequestHook;
  /** Called synchronously with every backend response head: change its status and headers. A throw answers 500. */
  onResponse?: OnResponseHook;
  /**
   * Connect to the backends over TLS (named apart from `tls`, which terminates TLS on the listener): `true`
   * verifies each backend's certificate against the system's CAs with SNI from its host name; an object sets
   * the CA, SNI name, client certificate (mutual TLS) or, unsafely, turns verification off. A backend's own
   * `tls` overrides it. Off when unset.
   */
  upstreamTls?: UpstreamTls;
  /**
   * How to speak to the backends: `'http1'` (HTTP/1.1), `'h2c'` (HTTP/2 over cleartext TCP, prior knowledge)
   * or `'h2'` (HTTP/2 over TLS with ALPN `h2`, verified as `upstreamTls` says, the system's CAs when it is
   * unset). Whatever the client spoke, each backend gets its own protocol. A backend's own `protocol`
   * overrides it. @default 'http1'
   */
  upstreamProtocol?: UpstreamProtocol;
}

/** The options of {@link LoadBalancerConfig} that a layer-4 balancer uses (no HTTP, no TLS termination), and its own. */
export interface TcpLoadBalancerConfig
  extends Pick<LoadBalancerConfig, Exclude<(typeof tcpOptionKeys)[number], 'sendProxyProtocol'>> {
  /**
   * Open every backend connection with a PROXY protocol header of this version (as HAProxy's `send-proxy` and
   * `send-proxy-v2`), so the backend learns the client's address. Off when unset.
   */
  sendProxyProtocol?: 1 | 2;
}

/** The option names `TcpLoadBalancer` takes; the others are HTTP's. */
const tcpOptionKeys = [
  'loadBalancerPort',
  'loadBalancerHost',
  'strategy',
  'adminPort',
  'adminHost',
  'healthCheck',
  'outlierDetection',
  'slowStart',
  'retries',
  'panicThreshold',
  'connectTimeout',
  'idleTimeout',
  'proxyProtocol',
  'sendProxyProtocol',
  'discovery',
  'accessLog',
  'upstreamTls',
] as const;

const httpKeys: ReadonlySet<string> = new Set([
  'loadBalancerPort',
  'strategy',
  'groups',
  'routes',
  'discovery',
  'accessLog',
  'tracing',
  'onRequest',
  'onResponse',
  'upstreamTls',
  'upstreamProtocol',
  ...loadBalancerOptionKeys,
]);
const tcpKeys: ReadonlySet<string> = new Set(tcpOptionKeys);
const clusterOnly: ReadonlySet<string> = new Set(clusterOnlyOptionKeys);

/** Cluster names a balancer user most likely meant as the balancer's own. */
const balancerNameFor: Readonly<Record<string, string>> = {
  host: 'loadBalancerHost',
  port: 'loadBalancerPort',
};

/**
 * Validates the options given to a balancer and returns them, to be resolved with the defaults. A
 * `ClusterConfig` has validated itself and is taken as it is; a plain object must use only the balancer's own
 * option names: a cluster-only name (`processes`, `basePort`, `host`, …), an HTTP-only name given to the TCP
 * balancer, or a misspelling throws a {@link ConfigError} that says what to use instead.
 */
export function validateBalancerOptions(
  options: LoadBalancerConfig | ClusterConfig,
  kind: 'LoadBalancer' | 'TcpLoadBalancer',
): LoadBalancerConfig {
  if (options instanceof ClusterConfig) return options;
  if (typeof options !== 'object' || options === null) {
    fail('LB_ERR_INVALID_OPTION', kind, 'needs an options object', options);
  }
  const known = kind === 'LoadBalancer' ? httpKeys : tcpKeys;
  for (const key of Object.keys(options)) {
    if (known.has(key)) continue;
    if (clusterOnly.has(key)) {
      const instead = balancerNameFor[key];
      const hint = instead ? ` Did you mean '${instead}'?` : '';
      throw new ConfigError(
        'LB_ERR_INVALID_OPTION',
        key,
        `${kind} has no option '${key}': it belongs to ClusterConfig.${hint}`,
      );
    }
    if (kind === 'TcpLoadBalancer' && httpKeys.has(key)) {
      throw new ConfigError(
        'LB_ERR_INVALID_OPTION',
        key,
        `TcpLoadBalancer has no option '${key}': it is an HTTP option, and a TCP balancer forwards bytes unchanged.`,
      );
    }
  }
  assertKnownKeys(options, known, kind);
  validateLoadBalancerOptions(options);
  if (options.loadBalancerPort !== undefined) assertPort(options.loadBalancerPort, 'loadBalancerPort', true);
  if (options.strategy !== undefined) validateStrategyOption(options.strategy);
  if (options.upstreamTls !== undefined) validateUpstreamTls(options.upstreamTls, 'upstreamTls');
  const { upstreamProtocol } = options as LoadBalancerConfig;
  if (upstreamProtocol !== undefined) validateUpstreamProtocol(upstreamProtocol, 'upstreamProtocol');
  if (kind === 'LoadBalancer') validateGroups(options);
  const send = (options as TcpLoadBalancerConfig).sendProxyProtocol;
  if (send !== undefined && send !== 1 && send !== 2) {
    fail('LB_ERR_INVALID_OPTION', 'sendProxyProtocol', 'must be 1 or 2 (the PROXY protocol version)', send);
  }
  if (options.discovery !== undefined && typeof options.discovery?.subscribe !== 'function') {
    fail(
      'LB_ERR_INVALID_OPTION',
      'discovery',
      'must be a discovery source with a subscribe() method',
      options.discovery,
    );
  }
  if (options.accessLog !== undefined) validateAccessLogConfig(options.accessLog);
  if (options.tracing !== undefined) validateTracingConfig(options.tracing);
  for (const hook of ['onRequest', 'onResponse'] as const) {
    const value = (options as LoadBalancerConfig)[hook];
    if (value !== undefined && typeof value !== 'function')
      fail('LB_ERR_INVALID_OPTION', hook, 'must be a function', value);
  }
  return options;
}

function validateGroups(options: LoadBalancerConfig): void {
  const { groups } = options;
  if (groups === undefined) return;
  if (typeof groups !== 'object' || groups === null || Array.isArray(groups)) {
    fail('LB_ERR_INVALID_OPTION', 'groups', 'must be an object of groups by name', groups);
  }
  let sharingStrategy = 0;
  for (const [name, group] of Object.entries(groups)) {
    validateGroupConfig(name, group);
    if (group.strategy === undefined) sharingStrategy++;
  }
  // A strategy object keeps state for one backend list: groups cannot share it.
  if (typeof options.strategy === 'object' && sharingStrategy > 1) {
    fail(
      'LB_ERR_INVALID_OPTION',
      'strategy',
      'is an object, which groups cannot share: give each group its own strategy',
      '…',
    );
  }
}
