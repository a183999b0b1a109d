import type { Backend, Strategy } from '@lb/core';
import type { BackendTableOptions, EligibleSet } from './backendTable.js';
import { checkStrategyOptions } from './strategyOptions.js';
import { TableStrategy } from './tableStrategy.js';

/** Options of {@link roundRobin}. */
export interface RoundRobinOptions extends BackendTableOptions {}

class RoundRobin<B extends Backend> extends TableStrategy<B> {
  readonly name = 'roundRobin';
  #next = 0;

  protected rebuild(): void {}

  protected choose(eligible: EligibleSet, excluded: readonly number[]): number {
    const count = eligible.count;
    // Taking the counter modulo the current count means a shrunken list can never be indexed past its end.
    let position = this.#next % count;
    while (excluded.length > 0 && excluded.includes(position)) position = (position + 1) % count;
    this.#next = (position + 1) % count;
    return position;
  }
}

/**
 * Even rotation over the eligible backends, ignoring weights (a weight of 0 still takes no traffic). The rotation
 * survives membership changes: the next pick continues from the same position in the new list.
 *
 * @throws {ConfigError} `LB_ERR_INVALID_OPTION` for an unknown or out-of-range option.
 *
 * @example
 * ```ts
 * const strategy = roundRobin();
 * strategy.setBackends([{ id: 'a', host: '127.0.0.1', port: 8081 }, { id: 'b', host: '127.0.0.1', port: 8082 }]);
 * strategy.pick()?.id; // 'a', then 'b', 'a', …
 * ```
 */
export function roundRobin<B extends Backend = Backend>(options: RoundRobinOptions = {}): Strategy<B> {
  checkStrategyOptions(options, 'roundRobin', []);
  return new RoundRobin<B>(options);
}
