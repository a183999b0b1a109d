import {
  assertPort,
  type ClusterConfigOptions,
  fail,
  isLoadBalancingStrategyName,
  LoadBalancingStrategy,
  validateLoadBalancerOptions,
} from '@lb/core';

const strategyMethods = [
  'pick',
  'setBackends',
  'onRequestStart',
  'onRequestEnd',
  'setHealth',
  'setWeight',
] as const;

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
  const strategy: unknown = options.strategy;
  if (strategy === undefined) return;
  if (typeof strategy === 'string') {
    if (!isLoadBalancingStrategyName(strategy)) {
      fail(
        'LB_ERR_UNKNOWN_STRATEGY',
        'strategy',
        `must be one of ${Object.values(LoadBalancingStrategy).join(', ')}`,
        strategy,
      );
    }
    return;
  }
  const candidate = strategy as Record<string, unknown> | null;
  const missing = strategyMethods.filter((m) => typeof candidate?.[m] !== 'function');
  if (missing.length > 0) {
    fail(
      'LB_ERR_INVALID_STRATEGY',
      'strategy',
      `must be a strategy name or an object with ${missing.join(', ')}()`,
      strategy,
    );
  }
}
