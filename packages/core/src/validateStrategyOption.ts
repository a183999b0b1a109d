import {
  isLoadBalancingStrategyName,
  LoadBalancingStrategy,
  type LoadBalancingStrategyName,
} from './loadBalancingStrategy.js';
import type { Strategy } from './strategy.js';
import { fail } from './validate.js';

const methods = ['pick', 'setBackends', 'onRequestStart', 'onRequestEnd', 'setHealth', 'setWeight'] as const;

/**
 * Checks the `strategy` option: a built-in strategy name, or an object with every {@link Strategy} method.
 *
 * @throws {ConfigError} `LB_ERR_UNKNOWN_STRATEGY` for an unknown name (the message lists the valid ones),
 * `LB_ERR_INVALID_STRATEGY` for an object missing methods (the message names them).
 */
export function validateStrategyOption(strategy: unknown): LoadBalancingStrategyName | Strategy {
  if (typeof strategy === 'string') {
    if (isLoadBalancingStrategyName(strategy)) return strategy;
    fail(
      'LB_ERR_UNKNOWN_STRATEGY',
      'strategy',
      `must be one of ${Object.values(LoadBalancingStrategy).join(', ')} or your own Strategy object`,
      strategy,
    );
  }
  const candidate = strategy as Partial<Record<keyof Strategy, unknown>> | null;
  const missing =
    candidate === null || typeof candidate !== 'object'
      ? [...methods]
      : methods.filter((m) => typeof candidate[m] !== 'function');
  if (missing.length > 0) {
    fail(
      'LB_ERR_INVALID_STRATEGY',
      'strategy',
      `must be a strategy name or an object with ${missing.join(', ')}()`,
      strategy,
    );
  }
  return strategy as Strategy;
}
