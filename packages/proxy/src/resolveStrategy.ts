import type { Backend, LoadBalancingStrategyName, Strategy } from '@lb/core';
import { createStrategy } from '@lb/strategies';

/** A strategy name becomes a fresh built-in strategy; a user's own {@link Strategy} object is used as is. */
export function resolveStrategy(strategy: LoadBalancingStrategyName | Strategy<Backend>): Strategy<Backend> {
  return typeof strategy === 'string' ? createStrategy(strategy) : strategy;
}
