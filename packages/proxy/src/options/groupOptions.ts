import {
  type Backend,
  ConfigError,
  type DiscoverySource,
  type LoadBalancerOptions,
  type LoadBalancingStrategyName,
  type Strategy,
  type UpstreamProtocol,
  type UpstreamTls,
  validateLoadBalancerOptions,
  validateUpstreamProtocol,
  validateUpstreamTls,
} from '@lb/core';
import { assertKnownKeys, fail, validateBackends, validateStrategyOption } from '@lb/core/internal';

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
    | 'upstreamPing'
  > {
  /** A built-in strategy name or your own `Strategy` object (one per group). @default the balancer's strategy */
  readonly strategy?: LoadBalancingStrategyName | Strategy;
  /** The group's backends. @default none */
  readonly backends?: readonly Backend[];
  /**
   * Where the group's backends come from instead (`dnsDiscovery`, `fileDiscovery`, … or your own source),
   * followed from `start()` until `stop()` or until `setGroup` replaces the group; each fresh snapshot is applied
   * with the group's `setBackends`. Give this or `backends`, not both. @default none
   */
  readonly discovery?: DiscoverySource;
  /** TLS to this group's backends, as the balancer's `upstreamTls`. @default the balancer's `upstreamTls` */
  readonly upstreamTls?: UpstreamTls;
  /** The protocol to this group's backends, as the balancer's `upstreamProtocol`. @default the balancer's */
  readonly upstreamProtocol?: UpstreamProtocol;
}

const groupKeys: ReadonlySet<string> = new Set([
  'strategy',
  'backends',
  'discovery',
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
  'upstreamPing',
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
  inGroup(name, () => assertKnownKeys(config, groupKeys, `Group '${name}'`));
  const { strategy, backends, discovery, upstreamTls, upstreamProtocol, ...rest } = config;
  inGroup(name, () => validateLoadBalancerOptions(rest));
  if (upstreamTls !== undefined) validateUpstreamTls(upstreamTls, `groups.${name}.upstreamTls`);
  if (upstreamProtocol !== undefined) {
    validateUpstreamProtocol(upstreamProtocol, `groups.${name}.upstreamProtocol`);
  }
  if (strategy !== undefined) inGroup(name, () => validateStrategyOption(strategy));
  if (backends !== undefined) {
    if (!Array.isArray(backends))
      fail('LB_ERR_INVALID_OPTION', `groups.${name}.backends`, 'must be a list', backends);
    inGroup(name, () => validateBackends(backends));
  }
  if (discovery !== undefined) {
    if (typeof discovery?.subscribe !== 'function')
      fail(
        'LB_ERR_INVALID_OPTION',
        `groups.${name}.discovery`,
        'must be a discovery source with a subscribe() method',
        discovery,
      );
    // The source's first snapshot would replace a static list at once: two owners of one set.
    if (backends !== undefined)
      fail(
        'LB_ERR_INVALID_OPTION',
        `groups.${name}.discovery`,
        'cannot be given with backends: the source fills the group, so list its backends there instead',
        '…',
      );
  }
}

/**
 * Runs a check shared with the balancer's own options and puts the group's path in front of the field of any
 * `ConfigError` it throws, so `upstreamPing.timeout` in group `api` is reported as `groups.api.upstreamPing.timeout`.
 */
function inGroup(name: string, check: () => void): void {
  try {
    check();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const group = `Group '${name}'`;
    let message = `${group}: ${err.message}`;
    if (err.message.startsWith(err.field)) message = `groups.${name}.${err.message}`;
    else if (err.message.startsWith(group)) message = err.message;
    throw new ConfigError(err.code, `groups.${name}.${err.field}`, message, { cause: err });
  }
}
