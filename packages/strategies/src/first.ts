import type { Backend, BackendId, Strategy } from '@lb/core';
import type { BackendTableOptions, EligibleSet } from './backendTable.js';
import { checkStrategyOptions } from './strategyOptions.js';
import { TableStrategy } from './tableStrategy.js';
import { WinnerTree } from './winnerTree.js';

/** Options of {@link first}. */
export interface FirstOptions extends BackendTableOptions {}

/** Numbers before strings; numbers numerically, strings by UTF-16 code units (not locale). */
export function compareBackendIds(a: BackendId, b: BackendId): number {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

class First<B extends Backend> extends TableStrategy<B> {
  readonly name = 'first';
  /** By rank (id order): the eligible position, capacity and in-flight count. */
  #positionOfRank = new Int32Array(0);
  #rankOfPosition = new Int32Array(0);
  #capacity = new Float64Array(0);
  #inFlight = new Float64Array(0);
  readonly #tree = new WinnerTree((a, b) => {
    const freeA = this.#inFlight[a]! < this.#capacity[a]!;
    const freeB = this.#inFlight[b]! < this.#capacity[b]!;
    if (freeA !== freeB) return freeA;
    if (!freeA) {
      const ratioA = this.#inFlight[a]! / this.#capacity[a]!;
      const ratioB = this.#inFlight[b]! / this.#capacity[b]!;
      if (ratioA !== ratioB) return ratioA < ratioB;
    }
    return a < b;
  });

  protected rebuild(eligible: EligibleSet): void {
    const { count, slots } = eligible;
    const table = this.table;
    const order = Array.from(slots.subarray(0, count)).sort((x, y) =>
      compareBackendIds(table.backend(x).id, table.backend(y).id),
    );
    this.#positionOfRank = new Int32Array(count);
    this.#rankOfPosition = new Int32Array(count);
    this.#capacity = new Float64Array(count);
    this.#inFlight = new Float64Array(count);
    order.forEach((slot, rank) => {
      const position = eligible.positionOf[slot]!;
      const max = table.backend(slot).maxConnections;
      this.#positionOfRank[rank] = position;
      this.#rankOfPosition[position] = rank;
      this.#capacity[rank] = max !== undefined && max > 0 ? max : Number.POSITIVE_INFINITY;
      this.#inFlight[rank] = table.inFlight(slot);
    });
    this.#tree.reset(count);
  }

  protected choose(_eligible: EligibleSet, excluded: readonly number[]): number {
    if (excluded.length === 0) return this.#positionOfRank[this.#tree.winner]!;
    const ranks = excluded.map((position) => this.#rankOfPosition[position]!).sort((a, b) => a - b);
    return this.#positionOfRank[this.#tree.winnerExcluding(ranks)]!;
  }

  protected override loadChanged(slot: number, position: number): void {
    if (position < 0) return;
    const rank = this.#rankOfPosition[position]!;
    this.#inFlight[rank] = this.table.inFlight(slot);
    this.#tree.update(rank);
  }
}

/**
 * HAProxy's `first`: send to the first backend, in id order, with fewer in-flight requests than its
 * `maxConnections`; only when it is full does the next one get traffic, so idle backends can be stopped or
 * scaled in. Ids are ordered numbers first (numerically), then strings (by UTF-16 code units, not by locale).
 * A backend without `maxConnections` never fills, so backends after it get nothing while it is eligible.
 *
 * When every backend is full the request still goes out (the proxy may queue it): to the backend with the
 * fewest in-flight requests per `maxConnections`, the first in id order on ties. Weights only matter at 0
 * (no new traffic). A pick and each start or end cost O(log n).
 *
 * @throws {ConfigError} `LB_ERR_INVALID_OPTION` for an unknown or out-of-range option.
 *
 * @example
 * ```ts
 * const strategy = first();
 * strategy.setBackends([
 *   { id: 1, host: '127.0.0.1', port: 8081, maxConnections: 2 },
 *   { id: 2, host: '127.0.0.1', port: 8082, maxConnections: 2 },
 * ]);
 * ```
 */
export function first<B extends Backend = Backend>(options: FirstOptions = {}): Strategy<B> {
  checkStrategyOptions(options, 'first', []);
  return new First<B>(options);
}
