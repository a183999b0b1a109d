import {
  assertPort,
  type ClusterConfigOptions,
  fail,
  validateLoadBalancerOptions,
  validateStrategyOption,
} from '@lb/core';

/**
 * Validates plain options given to `LoadBalancer` directly (a `ClusterConfig` has validated itself): the
 * balancer's own options, its port and the strategy.
 */
export function validatePlainOptions(options: ClusterConfigOptions): void {
  if (typeof options !== 'object' || options === null) {
    fail('LB_ERR_INVALID_OPTION', 'LoadBalancer', 'needs an options object', options);
  }
  validateLoadBalancerOptions(options);
  if (options.loadBalancerPort !== undefined) assertPort(options.loadBalancerPort, 'loadBalancerPort', true);
  if (options.strategy !== undefined) validateStrategyOption(options.strategy);
}
