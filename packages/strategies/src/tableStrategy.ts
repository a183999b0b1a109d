import type { Backend, BackendHealth, BackendId, PickContext, RequestOutcome, Strategy } from '@lb/core';
import { BackendTable, type BackendTableOptions, type EligibleSet } from './backendTable.js';

/**
 * The plumbing every built-in strategy shares: a {@link BackendTable}, a lazy rebuild of the strategy's index
 * when the table's version moves, `exclude` resolution and the request callbacks. A subclass only says how to
 * rebuild, how to choose, and how to react to load changes.
 */
export abstract class TableStrategy<B extends Backend> implements Strategy<B> {
  abstract readonly name: string;
  /** The backend set and its state. */
  protected readonly table: BackendTable<B>;
  #builtVersion = -1;

  constructor(options: BackendTableOptions = {}) {
    this.table = new BackendTable<B>(options);
  }

  setBackends(backends: readonly B[]): void {
    this.table.setBackends(backends);
  }

  setHealth(id: BackendId, health: BackendHealth): void {
    this.table.setHealth(id, health);
  }

  setWeight(id: BackendId, weight: number): void {
    this.table.setWeight(id, weight);
  }

  pick(context?: PickContext): B | undefined {
    const eligible = this.table.eligible();
    if (this.#builtVersion !== this.table.version) {
      this.rebuild(eligible);
      this.#builtVersion = this.table.version;
    }
    if (eligible.count === 0) return undefined;
    const position = this.choose(eligible, this.table.excludedPositions(context?.exclude));
    if (position < 0) return undefined;
    return this.table.backend(eligible.slots[position]!);
  }

  onRequestStart(backend: B): void {
    const slot = this.table.requestStarted(backend);
    if (slot >= 0) this.loadChanged(slot, this.#currentPosition(slot));
  }

  onRequestEnd(backend: B, outcome: RequestOutcome): void {
    const slot = this.table.requestEnded(backend);
    if (slot < 0) return;
    this.observed(slot, outcome);
    this.loadChanged(slot, this.#currentPosition(slot));
  }

  /** The slot's eligible position when the strategy's index is current, else `-1` (the next pick rebuilds). */
  #currentPosition(slot: number): number {
    if (this.#builtVersion !== this.table.version) return -1;
    return this.table.eligible().positionOf[slot]!;
  }

  /** Rebuilds the strategy's index for a new eligible set. Called at most once per table version. */
  protected abstract rebuild(eligible: EligibleSet): void;

  /**
   * Chooses an eligible position (`0 ≤ p < eligible.count`) avoiding `excluded` (sorted eligible positions,
   * never all of them), or returns `-1`.
   */
  protected abstract choose(eligible: EligibleSet, excluded: readonly number[]): number;

  /** The in-flight count of `slot` changed; `position` is its eligible position in the current index, or `-1`. */
  protected loadChanged(_slot: number, _position: number): void {}

  /** A request on `slot` ended with `outcome`, before {@link TableStrategy.loadChanged} runs. */
  protected observed(_slot: number, _outcome: RequestOutcome): void {}
}
