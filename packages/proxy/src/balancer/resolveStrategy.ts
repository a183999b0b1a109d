import type { Backend, LoadBalancingStrategyName, Strategy } from '@lb/core';
import { createStrategy } from '@lb/strategies';

/**
 * A strategy name becomes a fresh built-in strategy with the balancer's panic threshold; a user's own
 * {@link Strategy} object is used as is (its health handling is its own).
 */
export function resolveStrategy(
  strategy: LoadBalancingStrategyName | Strategy<Backend>,
  panicThreshold: number,
): Strategy<Backend> {
  return typeof strategy === 'string' ? createStrategy(strategy, { panicThreshold }) : strategy;
}
