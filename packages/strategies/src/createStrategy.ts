import {
  type Backend,
  ConfigError,
  isLoadBalancingStrategyName,
  LoadBalancingStrategy,
  type LoadBalancingStrategyName,
  type Strategy,
} from '@lb/core';
import { fail } from '@lb/core/internal';
import { type FirstOptions, first } from './first.js';
import { type LeastConnectionsOptions, leastConnections } from './leastConnections.js';
import { type MaglevOptions, maglev } from './maglev.js';
import { type PeakEwmaOptions, peakEwma } from './peakEwma.js';
import { type PowerOfTwoChoicesOptions, powerOfTwoChoices } from './powerOfTwoChoices.js';
import { type RandomStrategyOptions, random } from './random.js';
import { type RingHashOptions, ringHash } from './ringHash.js';
import { type RoundRobinOptions, roundRobin } from './roundRobin.js';
import { type WeightedRoundRobinOptions, weightedRoundRobin } from './weightedRoundRobin.js';

/** The options type of each built-in strategy, by name. */
export interface StrategyOptionsByName {
  roundRobin: RoundRobinOptions;
  weightedRoundRobin: WeightedRoundRobinOptions;
  leastConnections: LeastConnectionsOptions;
  random: RandomStrategyOptions;
  powerOfTwoChoices: PowerOfTwoChoicesOptions;
  peakEwma: PeakEwmaOptions;
  ringHash: RingHashOptions;
  maglev: MaglevOptions;
  first: FirstOptions;
}

const factories: { [N in LoadBalancingStrategyName]: (options?: StrategyOptionsByName[N]) => Strategy } = {
  roundRobin,
  weightedRoundRobin,
  leastConnections,
  random,
  powerOfTwoChoices,
  peakEwma,
  ringHash,
  maglev,
  first,
};

const strategyMethods = [
  'setBackends',
  'pick',
  'onRequestStart',
  'onRequestEnd',
  'setHealth',
  'setWeight',
] as const;

function checkStrategy(value: unknown): void {
  if (typeof value !== 'object' || value === null) {
    fail(
      'LB_ERR_INVALID_STRATEGY',
      'strategy',
      'must be a strategy name or an object implementing Strategy',
      value,
    );
  }
  const record = value as Record<string, unknown>;
  const missing: string[] = typeof record.name === 'string' ? [] : ['name'];
  for (const method of strategyMethods) if (typeof record[method] !== 'function') missing.push(method);
  if (missing.length > 0) {
    throw new ConfigError(
      'LB_ERR_INVALID_STRATEGY',
      'strategy',
      `strategy object is missing ${missing.join(', ')}: a Strategy needs a string name and the methods ${strategyMethods.join(', ')}.`,
    );
  }
}

/**
 * Resolves a strategy: a built-in name (see `LoadBalancingStrategy`) becomes a fresh instance of that strategy
 * with `options`; a `Strategy` object of your own is checked and returned unchanged (`options` are then ignored).
 *
 * @throws {ConfigError} `LB_ERR_UNKNOWN_STRATEGY` for a string that names no built-in strategy (the message lists
 * them), `LB_ERR_INVALID_STRATEGY` for an object without the `Strategy` members, and `LB_ERR_INVALID_OPTION` for
 * a bad option.
 *
 * @example
 * ```ts
 * const a = createStrategy('leastConnections', { panicThreshold: 0.5 });
 * const b = createStrategy(LoadBalancingStrategy.ringHash, { key: 'clientAddress' });
 * const c = createStrategy(myOwnStrategy); // the same object
 * ```
 */
export function createStrategy<
  B extends Backend = Backend,
  N extends LoadBalancingStrategyName = LoadBalancingStrategyName,
>(nameOrStrategy: N | Strategy<B>, options?: StrategyOptionsByName[N]): Strategy<B> {
  if (typeof nameOrStrategy === 'string') {
    if (!isLoadBalancingStrategyName(nameOrStrategy)) {
      fail(
        'LB_ERR_UNKNOWN_STRATEGY',
        'strategy',
        `must be one of ${Object.values(LoadBalancingStrategy).join(', ')}`,
        nameOrStrategy,
      );
    }
    const factory = factories[nameOrStrategy as LoadBalancingStrategyName] as (options?: object) => Strategy;
    return factory(options) as Strategy<B>;
  }
  checkStrategy(nameOrStrategy);
  return nameOrStrategy as Strategy<B>;
}
