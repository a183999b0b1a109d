import type { Backend, Strategy } from '@lb/core';
import type { BackendTableOptions, EligibleSet } from './backendTable.js';
import { checkStrategyOptions } from './strategyOptions.js';
import { TableStrategy } from './tableStrategy.js';
import { WinnerTree } from './winnerTree.js';

/** Options of {@link leastConnections}. */
export interface LeastConnectionsOptions extends BackendTableOptions {}

class LeastConnections<B extends Backend> extends TableStrategy<B> {
  readonly name = 'leastConnections';
  /** Per slot: the pick counter when it was last picked, so ties rotate; survives membership changes. */
  readonly #lastPickColumn: number;
  #picks = 0;
  #load = new Float64Array(0);
  #lastPick = new Float64Array(0);
  readonly #tree = new WinnerTree((a, b) => {
    const la = this.#load[a]!;
    const lb = this.#load[b]!;
    if (la !== lb) return la < lb;
    const sa = this.#lastPick[a]!;
    const sb = this.#lastPick[b]!;
    return sa !== sb ? sa < sb : a < b;
  });

  constructor(options: LeastConnectionsOptions) {
    super(options);
    this.#lastPickColumn = this.table.addColumn(-1);
  }

  protected rebuild(eligible: EligibleSet): void {
    const { count, slots } = eligible;
    const lastPicks = this.table.column(this.#lastPickColumn);
    this.#load = new Float64Array(count);
    this.#lastPick = new Float64Array(count);
    for (let p = 0; p < count; p++) {
      const slot = slots[p]!;
      this.#load[p] = this.table.inFlight(slot) / this.table.weight(slot);
      this.#lastPick[p] = lastPicks[slot]!;
    }
    this.#tree.reset(count);
  }

  protected choose(eligible: EligibleSet, excluded: readonly number[]): number {
    const position = this.#tree.winnerExcluding(excluded);
    const picks = ++this.#picks;
    this.#lastPick[position] = picks;
    this.table.column(this.#lastPickColumn)[eligible.slots[position]!] = picks;
    this.#tree.update(position);
    return position;
  }

  protected override loadChanged(slot: number, position: number): void {
    if (position < 0) return;
    this.#load[position] = this.table.inFlight(slot) / this.table.weight(slot);
    this.#tree.update(position);
  }
}

/**
 * Sends each request to the eligible backend with the fewest in-flight requests per unit of weight. Ties go to
 * the one picked least recently, so equally loaded backends take turns instead of the first in the list taking
 * everything. A pick and each start or end cost O(log n) (a tournament tree keyed by load, then last pick).
 *
 * @throws {ConfigError} `LB_ERR_INVALID_OPTION` for an unknown or out-of-range option.
 *
 * @example
 * ```ts
 * const strategy = leastConnections();
 * strategy.setBackends([{ id: 'a', host: '127.0.0.1', port: 8081 }, { id: 'b', host: '127.0.0.1', port: 8082 }]);
 * const a = strategy.pick()!; // 'a'
 * strategy.onRequestStart(a);
 * strategy.pick(); // 'b': fewer in flight
 * ```
 */
export function leastConnections<B extends Backend = Backend>(
  options: LeastConnectionsOptions = {},
): Strategy<B> {
  checkStrategyOptions(options, 'leastConnections', []);
  return new LeastConnections<B>(options);
}
