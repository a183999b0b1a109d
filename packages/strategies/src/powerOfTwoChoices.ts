import type { Backend, Strategy } from '@lb/core';
import type { BackendTableOptions, EligibleSet } from './backendTable.js';
import { type RandomOptions, type RandomSource, resolveRandom } from './rng.js';
import { checkStrategyOptions, randomOptionKeys } from './strategyOptions.js';
import { TableStrategy } from './tableStrategy.js';
import { WeightedSampler } from './weightedSampler.js';

/** Options of {@link powerOfTwoChoices}. */
export interface PowerOfTwoChoicesOptions extends BackendTableOptions, RandomOptions {}

/**
 * Two random choices: sample two distinct eligible backends (weighted when weights differ) and keep the one with
 * the lower {@link TwoChoices.cost}; a tie is settled by a coin flip. Subclasses change only the cost.
 */
export class TwoChoices<B extends Backend> extends TableStrategy<B> {
  readonly name: string = 'powerOfTwoChoices';
  /** The random source in use. */
  protected readonly random: RandomSource;
  /** Effective weight by eligible position. */
  protected weights: Float64Array = new Float64Array(0);
  readonly #sampler = new WeightedSampler();

  constructor(options: PowerOfTwoChoicesOptions) {
    super(options);
    this.random = resolveRandom(options);
  }

  protected rebuild(): void {
    this.weights = this.table.eligibleWeights();
    this.#sampler.reset(this.weights);
  }

  protected choose(eligible: EligibleSet, excluded: readonly number[]): number {
    const first = this.#sampler.sample(this.random(), excluded);
    if (eligible.count - excluded.length < 2) return first;
    const second = this.#sampler.sample(this.random(), excluded, first);
    this.beforeCompare();
    const a = this.cost(first, eligible.slots[first]!);
    const b = this.cost(second, eligible.slots[second]!);
    if (a < b) return first;
    if (b < a) return second;
    return this.random() < 0.5 ? first : second;
  }

  /** Runs once per pick before the two costs are computed (to read a clock once, for instance). */
  protected beforeCompare(): void {}

  /** The load of the backend at eligible `position` in `slot`: here in-flight requests per unit of weight. */
  protected cost(position: number, slot: number): number {
    return this.table.inFlight(slot) / this.weights[position]!;
  }
}

/**
 * The power of two random choices (HAProxy's `random(2)`, Envoy's least request): sample two distinct eligible
 * backends, weighted when weights differ, and send to the one with fewer in-flight requests per unit of weight;
 * a tie goes to a coin flip. Nearly as good as least connections, in O(log n) with no shared ordering, and it
 * avoids herding onto one idle backend when several proxies share the same view.
 *
 * @throws {ConfigError} `LB_ERR_INVALID_OPTION` for an unknown or out-of-range option.
 *
 * @example
 * ```ts
 * const strategy = powerOfTwoChoices({ seed: 1 });
 * ```
 */
export function powerOfTwoChoices<B extends Backend = Backend>(
  options: PowerOfTwoChoicesOptions = {},
): Strategy<B> {
  checkStrategyOptions(options, 'powerOfTwoChoices', randomOptionKeys);
  return new TwoChoices<B>(options);
}
