import type { Backend, BackendHealth, BackendId, PickContext, RequestOutcome, Strategy } from '@lb/core';
import { assertKnownKeys, assertRange, fail } from '@lb/core/internal';
import { BackendTable, type BackendTableOptions } from './backendTable.js';
import { hashKey, secondaryHashKey } from './hash.js';
import { type StickyKey, stickyKeyHasher, validateStickyKey } from './stickyKey.js';

/** Options of {@link maglev}. */
export interface MaglevOptions extends BackendTableOptions {
  /** Where each request's affinity key comes from; `context.hashKey` always wins. @default 'clientAddress' */
  readonly key?: StickyKey;
  /**
   * Lookup table size M; must be a prime below 2^29. Unset, it is the smallest prime at or above
   * max(65537, 100 · 2^⌈log₂ N⌉ + 1) for N members, so M > 100·N as the Maglev paper advises, and M changes only
   * when the member count crosses a power of two (a change of M remaps most keys). Set it to pin M.
   * @default derived from the member count
   */
  readonly tableSize?: number;
}

const knownOptions: ReadonlySet<string> = new Set(['key', 'tableSize', 'panicThreshold']);

/** Above this a table (4 bytes per entry) no longer fits comfortably in memory. */
const MAX_TABLE_SIZE = 2 ** 29;

/** Tells whether `n` is a prime, by trial division (fast enough for any table size). */
export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  if (n % 2 === 0) return n === 2;
  if (n % 3 === 0) return n === 3;
  for (let d = 5; d * d <= n; d += 6) if (n % d === 0 || n % (d + 2) === 0) return false;
  return true;
}

/** The smallest prime at or above `n`. */
export function nextPrime(n: number): number {
  let candidate = Math.max(2, Math.ceil(n));
  while (!isPrime(candidate)) candidate++;
  return candidate;
}

/** The default table size for `members` backends (see {@link MaglevOptions.tableSize}). */
export function defaultMaglevTableSize(members: number): number {
  const bucket = 2 ** Math.ceil(Math.log2(Math.max(1, members)));
  return nextPrime(Math.max(65537, 100 * bucket + 1));
}

/**
 * Fills a Maglev lookup table (NSDI'16 §3.4, with Envoy-style weights): member `k` walks its permutation
 * `offsets[k] + j·skips[k] (mod M)` and claims the first empty slot whenever it has a whole unit of credit; each
 * pass adds `weights[k] / max weight` of credit. With equal weights every member claims one slot per pass, so
 * each ends with ⌊M/N⌋ or ⌈M/N⌉ entries. Returns the member index of each of the M entries (an empty table
 * when there are no members); expected cost O(M log M) probes.
 */
export function buildMaglevTable(
  offsets: Uint32Array,
  skips: Uint32Array,
  weights: Float64Array,
  size: number,
): Int32Array {
  const n = offsets.length;
  if (n === 0) return new Int32Array(0);
  const table = new Int32Array(size);
  let maxWeight = 0;
  for (let k = 0; k < n; k++) maxWeight = Math.max(maxWeight, weights[k]!);
  const share = new Float64Array(n);
  for (let k = 0; k < n; k++) share[k] = weights[k]! / maxWeight;
  const next = Uint32Array.from(offsets);
  const credit = new Float64Array(n);
  // Probes read a bitmap of taken entries (M/8 bytes, cache-resident) instead of the M·4-byte table.
  const taken = new Uint32Array((size + 31) >>> 5);
  let filled = 0;
  for (;;) {
    for (let k = 0; k < n; k++) {
      credit[k]! += share[k]!;
      if (credit[k]! < 1) continue;
      credit[k]! -= 1;
      const skip = skips[k]!;
      let c = next[k]!;
      while ((taken[c >>> 5]! & (1 << (c & 31))) !== 0) {
        c += skip;
        if (c >= size) c -= size;
      }
      taken[c >>> 5]! |= 1 << (c & 31);
      table[c] = k;
      c += skip;
      next[k] = c >= size ? c - size : c;
      if (++filled === size) return table;
    }
  }
}

function validate(options: MaglevOptions): {
  key: StickyKey;
  tableSize: number | undefined;
  panicThreshold: number;
} {
  if (typeof options !== 'object' || options === null) {
    fail('LB_ERR_INVALID_OPTION', 'maglev', 'must be an object', options);
  }
  assertKnownKeys(options, knownOptions, 'maglev()');
  const { tableSize } = options;
  if (tableSize !== undefined && (!isPrime(tableSize) || tableSize > MAX_TABLE_SIZE)) {
    fail('LB_ERR_INVALID_OPTION', 'tableSize', 'must be a prime number below 2^29, such as 65537', tableSize);
  }
  return {
    key: validateStickyKey(options.key ?? 'clientAddress', 'key'),
    tableSize,
    panicThreshold:
      options.panicThreshold === undefined ? 0 : assertRange(options.panicThreshold, 'panicThreshold', 0, 1),
  };
}

class Maglev<B extends Backend> implements Strategy<B> {
  readonly name = 'maglev';
  readonly #table: BackendTable<B>;
  readonly #tableSize: number | undefined;
  readonly #hash: (context?: PickContext) => number;
  /** The lookup table, holding eligible positions as of the last build. */
  #lookup: Int32Array = new Int32Array(0);
  /** Backend-table slot of each built position; `setBackends` may move slots without changing the set. */
  #slotOf: Int32Array = new Int32Array(0);
  #seenVersion = -1;
  /** What the lookup table was built from, by eligible position. */
  #builtIds: BackendId[] = [];
  #builtWeights = new Float64Array(0);
  #builtSize = 0;

  constructor(options: MaglevOptions) {
    const valid = validate(options);
    this.#table = new BackendTable<B>({ panicThreshold: valid.panicThreshold });
    this.#tableSize = valid.tableSize;
    this.#hash = stickyKeyHasher(valid.key);
  }

  setBackends(backends: readonly B[]): void {
    this.#table.setBackends(backends);
  }

  setHealth(id: BackendId, health: BackendHealth): void {
    this.#table.setHealth(id, health);
  }

  setWeight(id: BackendId, weight: number): void {
    this.#table.setWeight(id, weight);
  }

  onRequestStart(backend: B): void {
    this.#table.requestStarted(backend);
  }

  onRequestEnd(backend: B, _outcome: RequestOutcome): void {
    this.#table.requestEnded(backend);
  }

  pick(context?: PickContext): B | undefined {
    this.#sync();
    const lookup = this.#lookup;
    if (this.#builtIds.length === 0 || lookup.length === 0) return undefined;
    let index = this.#hash(context) % lookup.length;
    const excluded = this.#table.excludedPositions(context?.exclude);
    // Probe onward: neighbouring entries belong to unrelated backends, and some non-excluded one is eligible.
    for (let step = 0; excluded.length > 0 && step < lookup.length; step++) {
      if (!excluded.includes(lookup[index]!)) break;
      index = index + 1 === lookup.length ? 0 : index + 1;
    }
    return this.#table.backend(this.#slotOf[lookup[index]!]!);
  }

  /**
   * Rebuilds over the eligible backends only when they or their weights changed, as Maglev does on a backend
   * failure: a down or draining backend simply has no entries. Health flips that leave the eligible set as it
   * was (such as a down backend going draining) cost an O(N) comparison and no rebuild.
   */
  #sync(): void {
    const table = this.#table;
    if (this.#seenVersion === table.version) return;
    this.#seenVersion = table.version;
    const { count, slots } = table.eligible();
    const size = this.#tableSize ?? defaultMaglevTableSize(table.size);
    let changed = size !== this.#builtSize || count !== this.#builtIds.length;
    for (let p = 0; p < count && !changed; p++) {
      const slot = slots[p]!;
      changed = table.backend(slot).id !== this.#builtIds[p] || table.weight(slot) !== this.#builtWeights[p];
    }
    if (changed) this.#rebuild(size);
    this.#slotOf = slots.slice(0, count);
  }

  #rebuild(size: number): void {
    const table = this.#table;
    const { count, slots } = table.eligible();
    const ids: BackendId[] = new Array(count);
    const weights = new Float64Array(count);
    const offsets = new Uint32Array(count);
    const skips = new Uint32Array(count);
    for (let p = 0; p < count; p++) {
      const slot = slots[p]!;
      ids[p] = table.backend(slot).id;
      weights[p] = table.weight(slot);
      const name = String(ids[p]);
      offsets[p] = hashKey(name) % size;
      skips[p] = size === 1 ? 0 : (secondaryHashKey(name) % (size - 1)) + 1;
    }
    this.#lookup = count === 0 ? new Int32Array(0) : buildMaglevTable(offsets, skips, weights, size);
    this.#builtIds = ids;
    this.#builtWeights = weights;
    this.#builtSize = size;
  }
}

/**
 * Maglev consistent hashing (Eisenbud et al., NSDI'16): a prime-sized lookup table filled from per-backend
 * permutations gives every backend an almost equal share (or one proportional to its weight) and an O(1) lookup,
 * and removing one of N backends remaps little more than its own 1/N of keys. The table covers the eligible
 * backends only and is rebuilt on the first pick after they change. `context.exclude` is honoured by probing the
 * following table entries (unless nothing else is eligible); keyless requests spread by a rotating counter.
 * Throws `ConfigError` (`LB_ERR_INVALID_OPTION`) for bad options, such as a `tableSize` that is not prime.
 *
 * @example
 * ```ts
 * const strategy = maglev({ key: { header: 'x-user-id' } });
 * strategy.setBackends([{ id: 'a', host: '10.0.0.1', port: 80 }, { id: 'b', host: '10.0.0.2', port: 80 }]);
 * strategy.pick({ headers: { 'x-user-id': '42' } }); // the same backend for every request of user 42
 * ```
 */
export function maglev<B extends Backend = Backend>(options: MaglevOptions = {}): Strategy<B> {
  return new Maglev<B>(options);
}
