import type { Backend, Strategy } from '@lb/core';
import type { BackendTableOptions, EligibleSet } from './backendTable.js';
import { KineticMaxTree } from './kineticMaxTree.js';
import { checkStrategyOptions } from './strategyOptions.js';
import { TableStrategy } from './tableStrategy.js';

/** Options of {@link weightedRoundRobin}. */
export interface WeightedRoundRobinOptions extends BackendTableOptions {}

/** Steps between rebases of the kinetic tree's clock, at least; large enough to amortise the O(n) rebase. */
const minRebaseInterval = 1 << 20;

class WeightedRoundRobin<B extends Backend> extends TableStrategy<B> {
  readonly name = 'weightedRoundRobin';
  readonly #tree = new KineticMaxTree();
  #total = 0;
  #rebaseAt = minRebaseInterval;

  protected rebuild(eligible: EligibleSet): void {
    const weights = new Float64Array(eligible.count);
    let total = 0;
    for (let p = 0; p < eligible.count; p++) {
      weights[p] = this.table.weight(eligible.slots[p]!);
      total += weights[p]!;
    }
    this.#total = total;
    this.#rebaseAt = Math.max(minRebaseInterval, 8 * eligible.count);
    this.#tree.reset(weights);
  }

  protected choose(_eligible: EligibleSet, excluded: readonly number[]): number {
    const tree = this.#tree;
    if (tree.time >= this.#rebaseAt) tree.rebase();
    tree.step();
    const position = tree.winnerExcluding(excluded);
    if (position >= 0) tree.shift(position, -this.#total);
    return position;
  }
}

/**
 * nginx's smooth weighted round robin, pick for pick: weights `{ a: 5, b: 1, c: 1 }` give `a a b a c a a` and
 * repeat. Every pick, each backend's current weight grows by its effective weight; the highest (earliest in the
 * list on ties) is picked and loses the total weight. Any change to membership, health or weights restarts the
 * sequence, as nginx does.
 *
 * Unlike nginx's O(n) loop, a pick costs O(log² n) amortised: each current weight is a line in time, and a
 * kinetic tournament tree tracks the highest line. The sequence matches nginx exactly for integer weights;
 * fractional weights work but ties may then fall either way by rounding.
 *
 * An excluded backend (`context.exclude`) is passed over for the highest non-excluded one, which then loses the
 * total, like nginx's retry to the next peer.
 *
 * @throws {ConfigError} `LB_ERR_INVALID_OPTION` for an unknown or out-of-range option.
 *
 * @example
 * ```ts
 * const strategy = weightedRoundRobin();
 * strategy.setBackends([
 *   { id: 'a', host: '127.0.0.1', port: 8081, weight: 5 },
 *   { id: 'b', host: '127.0.0.1', port: 8082, weight: 1 },
 *   { id: 'c', host: '127.0.0.1', port: 8083, weight: 1 },
 * ]);
 * Array.from({ length: 7 }, () => strategy.pick()?.id).join(''); // 'aabacaa'
 * ```
 */
export function weightedRoundRobin<B extends Backend = Backend>(
  options: WeightedRoundRobinOptions = {},
): Strategy<B> {
  checkStrategyOptions(options, 'weightedRoundRobin', []);
  return new WeightedRoundRobin<B>(options);
}
