import type { Backend, BackendHealth, BackendId, PickContext, RequestOutcome, Strategy } from '@lb/core';
import { assertInteger, assertKnownKeys, assertNumber, assertRange, fail } from '@lb/core/internal';
import { BackendTable, type BackendTableOptions } from './backendTable.js';
import { hashKey } from './hash.js';
import { buildRing, type Ring, ringIndex } from './hashRing.js';
import { type StickyKey, stickyKeyHasher, validateStickyKey } from './stickyKey.js';

/** Options of {@link ringHash}. */
export interface RingHashOptions extends BackendTableOptions {
  /** Where each request's affinity key comes from; `context.hashKey` always wins. @default 'clientAddress' */
  readonly key?: StickyKey;
  /** Ring points per unit of weight (the smallest positive weight counts as one unit), as nginx. @default 160 */
  readonly virtualNodesPerWeight?: number;
  /**
   * The ring gets at least this many points, scaled up evenly from the per-weight count, as Envoy, for a finer
   * spread over few backends. While it applies, a membership change also rescales the others' point counts, so
   * a few more keys move than the 1/N a change must move.
   * @default 1024
   */
  readonly minRingSize?: number;
  /**
   * The ring gets at most this many points, scaled down evenly (each backend keeps at least one). Bounds build
   * time and memory with very many backends: 2^22 points build in about a second and take 32 MiB.
   * @default 4194304
   */
  readonly maxRingSize?: number;
  /**
   * Consistent hashing with bounded loads (Envoy's and HAProxy's `hash-balance-factor`): a backend takes a new
   * request only while its in-flight count stays within `factor × (in-flight + 1) × its weight share`, rounded
   * up; otherwise the walk goes on clockwise. `1.25` allows 125 % of the average. At least 1; unset turns it off.
   * @default undefined
   */
  readonly hashBalanceFactor?: number;
}

const knownOptions: ReadonlySet<string> = new Set([
  'key',
  'virtualNodesPerWeight',
  'minRingSize',
  'maxRingSize',
  'hashBalanceFactor',
  'panicThreshold',
]);

function validate(options: RingHashOptions): Required<Omit<RingHashOptions, 'hashBalanceFactor'>> & {
  hashBalanceFactor: number | undefined;
} {
  if (typeof options !== 'object' || options === null)
    fail('LB_ERR_INVALID_OPTION', 'ringHash', 'must be an object', options);
  assertKnownKeys(options, knownOptions, 'ringHash()');
  const minRingSize = assertInteger(options.minRingSize ?? 1024, 'minRingSize', 1);
  const maxRingSize = assertInteger(options.maxRingSize ?? 4194304, 'maxRingSize', 1);
  if (maxRingSize < minRingSize)
    fail(
      'LB_ERR_INVALID_OPTION',
      'maxRingSize',
      `must be at least minRingSize (${minRingSize})`,
      maxRingSize,
    );
  const factor = options.hashBalanceFactor;
  return {
    key: validateStickyKey(options.key ?? 'clientAddress', 'key'),
    virtualNodesPerWeight: assertInteger(options.virtualNodesPerWeight ?? 160, 'virtualNodesPerWeight', 1),
    minRingSize,
    maxRingSize,
    hashBalanceFactor: factor === undefined ? undefined : assertNumber(factor, 'hashBalanceFactor', 1),
    panicThreshold:
      options.panicThreshold === undefined ? 0 : assertRange(options.panicThreshold, 'panicThreshold', 0, 1),
  };
}

class RingHash<B extends Backend> implements Strategy<B> {
  readonly name = 'ringHash';
  readonly #table: BackendTable<B>;
  readonly #options: ReturnType<typeof validate>;
  readonly #hash: (context?: PickContext) => number;
  #ring: Ring = { hashes: new Uint32Array(0), slots: new Int32Array(0) };
  #seenVersion = -1;
  /** What the ring was built from, by slot: ids, weights and membership. */
  #builtIds: BackendId[] = [];
  #builtWeights = new Float64Array(0);
  #inRing = new Uint8Array(0);
  #ringMembers = 0;
  #eligibleWeight = 0;
  #totalInFlight = 0;

  constructor(options: RingHashOptions) {
    this.#options = validate(options);
    this.#table = new BackendTable<B>({ panicThreshold: this.#options.panicThreshold });
    this.#hash = stickyKeyHasher(this.#options.key);
  }

  setBackends(backends: readonly B[]): void {
    this.#table.setBackends(backends);
    let total = 0;
    for (let slot = 0; slot < this.#table.size; slot++) total += this.#table.inFlight(slot);
    this.#totalInFlight = total;
  }

  setHealth(id: BackendId, health: BackendHealth): void {
    this.#table.setHealth(id, health);
  }

  setWeight(id: BackendId, weight: number): void {
    this.#table.setWeight(id, weight);
  }

  onRequestStart(backend: B): void {
    if (this.#table.requestStarted(backend) >= 0) this.#totalInFlight++;
  }

  onRequestEnd(backend: B, _outcome: RequestOutcome): void {
    const slot = this.#table.slotOf(backend.id);
    if (slot >= 0 && this.#table.inFlight(slot) > 0) this.#totalInFlight--;
    this.#table.requestEnded(backend);
  }

  pick(context?: PickContext): B | undefined {
    this.#sync();
    const table = this.#table;
    const { count, positionOf } = table.eligible();
    const { hashes, slots } = this.#ring;
    if (count === 0 || hashes.length === 0) return undefined;
    const excluded = table.excludedPositions(context?.exclude);
    const factor = this.#options.hashBalanceFactor;
    const load = factor === undefined ? 0 : (factor * (this.#totalInFlight + 1)) / this.#eligibleWeight;
    const start = ringIndex(hashes, this.#hash(context));
    let fallback = -1;
    for (let step = 0, i = start; step < hashes.length; step++, i = i + 1 === hashes.length ? 0 : i + 1) {
      const slot = slots[i]!;
      const position = positionOf[slot]!;
      if (position < 0 || (excluded.length > 0 && excluded.includes(position))) continue;
      if (factor === undefined || table.inFlight(slot) + 1 <= Math.ceil(load * table.weight(slot))) {
        return table.backend(slot);
      }
      if (fallback < 0) fallback = slot;
    }
    return fallback >= 0 ? table.backend(fallback) : undefined;
  }

  /** Brings the ring and the eligible weight up to date after any membership, health or weight change. */
  #sync(): void {
    const table = this.#table;
    if (this.#seenVersion === table.version) return;
    this.#seenVersion = table.version;
    const { count, slots } = table.eligible();
    let weight = 0;
    let missing = false;
    for (let p = 0; p < count; p++) {
      weight += table.weight(slots[p]!);
      if (this.#inRing[slots[p]!] !== 1) missing = true;
    }
    this.#eligibleWeight = weight;
    if (missing || this.#membersChanged() || count * 2 < this.#ringMembers) this.#rebuild();
  }

  #membersChanged(): boolean {
    const table = this.#table;
    if (table.size !== this.#builtIds.length) return true;
    for (let slot = 0; slot < table.size; slot++) {
      if (
        table.backend(slot).id !== this.#builtIds[slot] ||
        table.weight(slot) !== this.#builtWeights[slot]
      ) {
        return true;
      }
    }
    return false;
  }

  /**
   * Point counts come from every member with a positive weight, so they do not depend on health; the points of
   * unhealthy members are left out only when fewer than half the candidates are eligible, to keep walks short.
   * Either way a key lands where it would on the full ring after skipping ineligible points.
   */
  #rebuild(): void {
    const table = this.#table;
    const n = table.size;
    const { count, positionOf } = table.eligible();
    const ids: BackendId[] = new Array(n);
    const weights = new Float64Array(n);
    let candidates = 0;
    let minWeight = Number.POSITIVE_INFINITY;
    for (let slot = 0; slot < n; slot++) {
      ids[slot] = table.backend(slot).id;
      weights[slot] = table.weight(slot);
      if (weights[slot]! > 0) {
        candidates++;
        minWeight = Math.min(minWeight, weights[slot]!);
      }
    }
    const { virtualNodesPerWeight, minRingSize, maxRingSize } = this.#options;
    let raw = 0;
    for (let slot = 0; slot < n; slot++) raw += (virtualNodesPerWeight * weights[slot]!) / (minWeight || 1);
    const scale = raw === 0 ? 1 : Math.min(Math.max(raw, minRingSize), maxRingSize) / raw;
    const onlyEligible = count * 2 < candidates;
    const size = onlyEligible ? count : candidates;
    const members = new Int32Array(size);
    const nameHashes = new Uint32Array(size);
    const points = new Uint32Array(size);
    const inRing = new Uint8Array(n);
    let k = 0;
    for (let slot = 0; slot < n; slot++) {
      if (weights[slot]! <= 0 || (onlyEligible && positionOf[slot]! < 0)) continue;
      members[k] = slot;
      nameHashes[k] = hashKey(String(ids[slot]));
      points[k] = Math.max(1, Math.round(((virtualNodesPerWeight * weights[slot]!) / minWeight) * scale));
      inRing[slot] = 1;
      k++;
    }
    this.#ring = buildRing(members, nameHashes, points);
    this.#builtIds = ids;
    this.#builtWeights = weights;
    this.#inRing = inRing;
    this.#ringMembers = size;
  }
}

/**
 * Consistent hashing on a ring (ketama): each backend owns points on a 32-bit ring in proportion to its weight,
 * and a request goes to the first point clockwise from its key's hash, so adding or removing one of N backends
 * moves about 1/N of the keys. Lookup is a binary search, O(log ring size); the ring is rebuilt on the first pick
 * after the set or a weight changes. Down and draining backends are skipped by walking on clockwise, as are
 * `context.exclude` (unless nothing else is eligible) and, with `hashBalanceFactor`, backends over their cap.
 * Keyless requests spread by a rotating counter. Throws `ConfigError` (`LB_ERR_INVALID_OPTION`) for bad options.
 *
 * @example
 * ```ts
 * const strategy = ringHash({ key: { cookie: 'session' }, hashBalanceFactor: 1.25 });
 * strategy.setBackends([{ id: 'a', host: '10.0.0.1', port: 80 }, { id: 'b', host: '10.0.0.2', port: 80 }]);
 * strategy.pick({ headers: { cookie: 'session=u42' } }); // the same backend for every u42 request
 * ```
 */
export function ringHash<B extends Backend = Backend>(options: RingHashOptions = {}): Strategy<B> {
  return new RingHash<B>(options);
}
