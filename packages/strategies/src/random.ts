import type { Backend, Strategy } from '@lb/core';
import type { BackendTableOptions, EligibleSet } from './backendTable.js';
import { type RandomOptions, type RandomSource, resolveRandom } from './rng.js';
import { checkStrategyOptions, randomOptionKeys } from './strategyOptions.js';
import { TableStrategy } from './tableStrategy.js';
import { WeightedSampler } from './weightedSampler.js';

/** Options of {@link random}. */
export interface RandomStrategyOptions extends BackendTableOptions, RandomOptions {}

class RandomStrategy<B extends Backend> extends TableStrategy<B> {
  readonly name = 'random';
  readonly #random: RandomSource;
  readonly #sampler = new WeightedSampler();

  constructor(options: RandomStrategyOptions) {
    super(options);
    this.#random = resolveRandom(options);
  }

  protected rebuild(): void {
    this.#sampler.reset(this.table.eligibleWeights());
  }

  protected choose(_eligible: EligibleSet, excluded: readonly number[]): number {
    return this.#sampler.sample(this.#random(), excluded);
  }
}

/**
 * Picks an eligible backend at random: uniformly when all weights are equal (O(1)), else in proportion to the
 * weights (O(log n) by binary search over prefix sums, rebuilt on change). Seed it for repeatable runs.
 *
 * @throws {ConfigError} `LB_ERR_INVALID_OPTION` for an unknown or out-of-range option.
 *
 * @example
 * ```ts
 * const strategy = random({ seed: 42 });
 * strategy.setBackends([{ id: 'a', host: '127.0.0.1', port: 8081, weight: 3 }, { id: 'b', host: '127.0.0.1', port: 8082 }]);
 * strategy.pick(); // 'a' about three times as often as 'b'
 * ```
 */
export function random<B extends Backend = Backend>(options: RandomStrategyOptions = {}): Strategy<B> {
  checkStrategyOptions(options, 'random', randomOptionKeys);
  return new RandomStrategy<B>(options);
}
