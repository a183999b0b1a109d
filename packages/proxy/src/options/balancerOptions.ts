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
  validateLoadBalancerOptions,
  validateStrategyOption,
} from '@lb/core';

/** Options of `LoadBalancer`: where it listens, how it picks, and every shared load-balancer option. */
export interface LoadBalancerConfig extends LoadBalancerOptions {
  /** Port to listen on; `0` picks a free one (read it back from `address`). @default 0 */
  loadBalancerPort?: number;
  /** A built-in strategy name or your own {@link Strategy}. @default 'roundRobin' */
  strategy?: LoadBalancingStrategyName | Strategy;
  /**
   * Where the backends come from: a source (`dnsDiscovery`, `srvDiscovery`, `fileDiscovery`,
   * `kubernetesDiscovery` from `@lb/discovery`, or your own) followed from `start()` to `stop()`, each fresh
   * snapshot applied with `setBackends`. It replaces the backends given to the constructor. Not a cluster
   * option: a cluster's backends are its own workers. Off when unset.
   */
  discovery?: DiscoverySource;
}

/** The options of {@link LoadBalancerConfig} that a layer-4 balancer uses: no HTTP, no TLS termination. */
export type TcpLoadBalancerConfig = Pick<LoadBalancerConfig, (typeof tcpOptionKeys)[number]>;

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
  'discovery',
] as const satisfies readonly (keyof LoadBalancerConfig)[];

const httpKeys: ReadonlySet<string> = new Set([
  'loadBalancerPort',
  'strategy',
  'discovery',
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
  if (options.discovery !== undefined && typeof options.discovery?.subscribe !== 'function') {
    fail(
      'LB_ERR_INVALID_OPTION',
      'discovery',
      'must be a discovery source with a subscribe() method',
      options.discovery,
    );
  }
  return options;
}
