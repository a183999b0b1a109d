import {
  assertKnownKeys,
  type Backend,
  fail,
  type LoadBalancerOptions,
  type LoadBalancingStrategyName,
  type Strategy,
  type UpstreamProtocol,
  type UpstreamTls,
  validateBackends,
  validateLoadBalancerOptions,
  validateStrategyOption,
  validateUpstreamProtocol,
  validateUpstreamTls,
} from '@lb/core';

/** The options a backend group may set for itself; whatever it leaves out comes from the balancer's. */
export interface BackendGroupConfig
  extends Pick<
    LoadBalancerOptions,
    | 'healthCheck'
    | 'outlierDetection'
    | 'slowStart'
    | 'retries'
    | 'panicThreshold'
    | 'connectTimeout'
    | 'responseTimeout'
    | 'idleTimeout'
    | 'maxConnectionsPerBackend'
    | 'maxIdleConnectionsPerBackend'
    | 'upstreamIdleTimeout'
  > {
  /** A built-in strategy name or your own `Strategy` object (one per group). @default the balancer's strategy */
  readonly strategy?: LoadBalancingStrategyName | Strategy;
  /** The group's backends. @default none */
  readonly backends?: readonly Backend[];
  /** TLS to this group's backends, as the balancer's `upstreamTls`. @default the balancer's `upstreamTls` */
  readonly upstreamTls?: UpstreamTls;
  /** The protocol to this group's backends, as the balancer's `upstreamProtocol`. @default the balancer's */
  readonly upstreamProtocol?: UpstreamProtocol;
}

const groupKeys: ReadonlySet<string> = new Set([
  'strategy',
  'backends',
  'healthCheck',
  'outlierDetection',
  'slowStart',
  'retries',
  'panicThreshold',
  'connectTimeout',
  'responseTimeout',
  'idleTimeout',
  'maxConnectionsPerBackend',
  'maxIdleConnectionsPerBackend',
  'upstreamIdleTimeout',
  'upstreamTls',
  'upstreamProtocol',
] satisfies (keyof BackendGroupConfig)[]);

const groupName = /^[A-Za-z0-9_.-]{1,64}$/;

/** Checks one group's name and options; throws a `ConfigError` naming `groups.<name>.<field>`. */
export function validateGroupConfig(name: string, config: BackendGroupConfig): void {
  if (!groupName.test(name)) {
    fail(
      'LB_ERR_INVALID_OPTION',
      `groups.${name}`,
      'must be named with letters, digits, _, . or - (at most 64)',
      name,
    );
  }
  if (typeof config !== 'object' || config === null) {
    fail('LB_ERR_INVALID_OPTION', `groups.${name}`, 'must be an object of group options', config);
  }
  assertKnownKeys(config, groupKeys, `Group '${name}'`);
  const { strategy, backends, upstreamTls, upstreamProtocol, ...rest } = config;
  validateLoadBalancerOptions(rest);
  if (upstreamTls !== undefined) validateUpstreamTls(upstreamTls, `groups.${name}.upstreamTls`);
  if (upstreamProtocol !== undefined) {
    validateUpstreamProtocol(upstreamProtocol, `groups.${name}.upstreamProtocol`);
  }
  if (strategy !== undefined) validateStrategyOption(strategy);
  if (backends !== undefined) {
    if (!Array.isArray(backends))
      fail('LB_ERR_INVALID_OPTION', `groups.${name}.backends`, 'must be a list', backends);
    validateBackends(backends);
  }
}
