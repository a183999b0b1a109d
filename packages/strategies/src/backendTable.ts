import type { Backend, BackendHealth, BackendId } from '@lb/core';

/** Options shared by every strategy that keeps its backends in a {@link BackendTable}. */
export interface BackendTableOptions {
  /**
   * Envoy's panic mode. When the share of `up` backends (by count, over every member) falls below this value,
   * `down` backends become eligible again, on the theory that spreading load over a partly broken fleet beats
   * crushing the few survivors. `draining` backends are never eligible. A value from 0 to 1; `0` turns it off.
   * @default 0
   */
  readonly panicThreshold?: number;
}

/** The eligible backends at one {@link BackendTable.version}, in the order they were given to `setBackends`. */
export interface EligibleSet {
  /** How many backends are eligible. */
  readonly count: number;
  /** `slots[p]` is the table slot of the `p`-th eligible backend, for `p < count`. */
  readonly slots: Int32Array;
  /** `positionOf[slot]` is that slot's index in {@link EligibleSet.slots}, or `-1` when it is not eligible. */
  readonly positionOf: Int32Array;
  /** `true` when panic mode made `down` backends eligible. */
  readonly panicking: boolean;
}

const UP = 0;
const DOWN = 1;
const DRAINING = 2;
const healthCodes: Record<BackendHealth, number> = { up: UP, down: DOWN, draining: DRAINING };
const healthNames: readonly BackendHealth[] = ['up', 'down', 'draining'];
const noPositions: readonly number[] = Object.freeze([]);

function sanitizeWeight(weight: number | undefined): number {
  if (weight === undefined) return 1;
  return Number.isFinite(weight) && weight > 0 ? weight : 0;
}

function sanitizeThreshold(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, value));
}

/**
 * The backend set every built-in strategy works on: backends by id, health, effective weight, in-flight count
 * and any per-backend numbers a strategy adds with {@link BackendTable.addColumn}.
 *
 * Backends live in dense slots (`0 … size-1`, in `setBackends` order) so strategies can keep typed arrays
 * indexed by slot. {@link BackendTable.version} changes whenever membership, health or weight changes, so a
 * strategy can rebuild its index lazily on the next pick; in-flight changes do not bump it. Membership changes
 * cost O(n); everything else is O(1).
 *
 * @example
 * ```ts
 * const table = new BackendTable({ panicThreshold: 0.5 });
 * table.setBackends([{ id: 'a', host: '127.0.0.1', port: 8081 }, { id: 'b', host: '127.0.0.1', port: 8082 }]);
 * table.setHealth('a', 'down');
 * const eligible = table.eligible(); // { count: 1, … } — panic starts below 50 % up
 * ```
 */
export class BackendTable<B extends Backend = Backend> {
  /** The panic threshold in force, clamped to 0…1. */
  readonly panicThreshold: number;
  #version = 0;
  #backends: B[] = [];
  #slotById = new Map<BackendId, number>();
  #health = new Uint8Array(0);
  #weight = new Float64Array(0);
  #configuredWeight = new Float64Array(0);
  #inFlight = new Float64Array(0);
  #columns: Float64Array[] = [];
  #columnDefaults: number[] = [];
  #eligible: EligibleSet = {
    count: 0,
    slots: new Int32Array(0),
    positionOf: new Int32Array(0),
    panicking: false,
  };
  #eligibleVersion = 0;

  constructor(options: BackendTableOptions = {}) {
    this.panicThreshold = sanitizeThreshold(options.panicThreshold);
  }

  /** Changes on every membership, health or weight change. */
  get version(): number {
    return this.#version;
  }

  /** Number of member backends, eligible or not. */
  get size(): number {
    return this.#backends.length;
  }

  /**
   * Replaces the members. A backend whose id was already a member keeps its health, in-flight count, column
   * values and `setWeight` override (unless its configured `weight` changed, which wins); new ones start `up`.
   * A repeated id keeps its first occurrence.
   */
  setBackends(backends: readonly B[]): void {
    const list: B[] = [];
    const slotById = new Map<BackendId, number>();
    for (const backend of backends) {
      if (slotById.has(backend.id)) continue;
      slotById.set(backend.id, list.length);
      list.push(backend);
    }
    const n = list.length;
    const health = new Uint8Array(n);
    const weight = new Float64Array(n);
    const configured = new Float64Array(n);
    const inFlight = new Float64Array(n);
    const columns = this.#columns.map((_, k) => new Float64Array(n).fill(this.#columnDefaults[k] ?? 0));
    for (let slot = 0; slot < n; slot++) {
      const backend = list[slot]!;
      const configuredWeight = sanitizeWeight(backend.weight);
      configured[slot] = configuredWeight;
      weight[slot] = configuredWeight;
      const old = this.#slotById.get(backend.id);
      if (old === undefined) continue;
      health[slot] = this.#health[old]!;
      inFlight[slot] = this.#inFlight[old]!;
      if (this.#configuredWeight[old] === configuredWeight) weight[slot] = this.#weight[old]!;
      for (let k = 0; k < columns.length; k++) columns[k]![slot] = this.#columns[k]![old]!;
    }
    this.#backends = list;
    this.#slotById = slotById;
    this.#health = health;
    this.#weight = weight;
    this.#configuredWeight = configured;
    this.#inFlight = inFlight;
    this.#columns = columns;
    this.#version++;
  }

  /** The slot of the member with this id, or `-1`. */
  slotOf(id: BackendId): number {
    return this.#slotById.get(id) ?? -1;
  }

  /** The backend in `slot` (`0 ≤ slot < size`). */
  backend(slot: number): B {
    return this.#backends[slot]!;
  }

  /** The health of the backend in `slot`. */
  health(slot: number): BackendHealth {
    return healthNames[this.#health[slot]!]!;
  }

  /** The effective weight of the backend in `slot`: `setWeight` if called, else `backend.weight ?? 1`. */
  weight(slot: number): number {
    return this.#weight[slot]!;
  }

  /** Requests in flight on the backend in `slot`. */
  inFlight(slot: number): number {
    return this.#inFlight[slot]!;
  }

  /** Sets a member's health; returns its slot, or `-1` for an unknown id. Bumps the version on a change. */
  setHealth(id: BackendId, health: BackendHealth): number {
    const slot = this.slotOf(id);
    const code = healthCodes[health];
    if (slot < 0 || code === undefined) return -1;
    if (this.#health[slot] !== code) {
      this.#health[slot] = code;
      this.#version++;
    }
    return slot;
  }

  /**
   * Overrides a member's effective weight; returns its slot, or `-1` for an unknown id. A negative or
   * non-finite weight counts as `0` (no new traffic). Bumps the version on a change.
   */
  setWeight(id: BackendId, weight: number): number {
    const slot = this.slotOf(id);
    if (slot < 0) return -1;
    const value = sanitizeWeight(weight);
    if (this.#weight[slot] !== value) {
      this.#weight[slot] = value;
      this.#version++;
    }
    return slot;
  }

  /** Counts a request started on `backend`; returns its slot, or `-1` when it is not a member. */
  requestStarted(backend: B): number {
    const slot = this.slotOf(backend.id);
    if (slot >= 0) this.#inFlight[slot]!++;
    return slot;
  }

  /**
   * Counts a request ended on `backend`; returns its slot, or `-1` when it is not a member (it may have been
   * removed meanwhile). The count never goes below zero.
   */
  requestEnded(backend: B): number {
    const slot = this.slotOf(backend.id);
    if (slot >= 0 && this.#inFlight[slot]! > 0) this.#inFlight[slot]!--;
    return slot;
  }

  /**
   * Adds a per-backend number that follows each backend across `setBackends`, starting at `initial`. Returns a
   * handle for {@link BackendTable.column}.
   */
  addColumn(initial: number): number {
    this.#columns.push(new Float64Array(this.#backends.length).fill(initial));
    this.#columnDefaults.push(initial);
    return this.#columns.length - 1;
  }

  /** The values of a column, indexed by slot. The array is replaced by `setBackends`: do not keep it. */
  column(handle: number): Float64Array {
    return this.#columns[handle]!;
  }

  /**
   * The eligible backends: `up` with a weight above 0, plus `down` ones in panic mode. Recomputed at most once
   * per version; the returned object must not be kept across a version change.
   */
  eligible(): EligibleSet {
    if (this.#eligibleVersion === this.#version) return this.#eligible;
    const n = this.#backends.length;
    let up = 0;
    for (let slot = 0; slot < n; slot++) if (this.#health[slot] === UP) up++;
    const panicking = n > 0 && up / n < this.panicThreshold;
    const slots = new Int32Array(n);
    const positionOf = new Int32Array(n).fill(-1);
    let count = 0;
    for (let slot = 0; slot < n; slot++) {
      const health = this.#health[slot];
      if (this.#weight[slot]! <= 0) continue;
      if (health === UP || (panicking && health === DOWN)) {
        positionOf[slot] = count;
        slots[count++] = slot;
      }
    }
    this.#eligible = { count, slots, positionOf, panicking };
    this.#eligibleVersion = this.#version;
    return this.#eligible;
  }

  /** The effective weights of the eligible backends, by eligible position (a new array). */
  eligibleWeights(): Float64Array {
    const { count, slots } = this.eligible();
    const weights = new Float64Array(count);
    for (let p = 0; p < count; p++) weights[p] = this.#weight[slots[p]!]!;
    return weights;
  }

  /**
   * The eligible positions of the ids in `exclude`, sorted ascending and without repeats. Returns an empty array
   * (without allocating) when there is nothing to exclude, and also when excluding would leave nothing eligible,
   * because a retry to the same backend beats no retry at all.
   */
  excludedPositions(exclude: ReadonlySet<BackendId> | undefined): readonly number[] {
    if (exclude === undefined || exclude.size === 0) return noPositions;
    const { count, positionOf } = this.eligible();
    const positions: number[] = [];
    for (const id of exclude) {
      const slot = this.slotOf(id);
      if (slot < 0) continue;
      const position = positionOf[slot]!;
      if (position >= 0) positions.push(position);
    }
    if (positions.length === 0 || positions.length >= count) return noPositions;
    return positions.sort((a, b) => a - b);
  }
}
