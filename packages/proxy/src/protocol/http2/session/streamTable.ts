const FIRST_CAPACITY = 16;

/**
 * A session's open streams by id: an open-addressing table over two arrays, where a `Map` would do.
 *
 * Why not a `Map`: V8 rebuilds a `Map`'s backing table every few hundred adds and deletes, in the generation
 * the old one was in, and the table it leaves behind keeps pointers to the values it held. Once the session's
 * table has been promoted (an idle spell is enough), each discarded table holds that moment's streams (and all
 * they reach: exchange, fields, bodies) alive through the next young-generation collection, so every call's
 * objects got promoted and the scavenger spent about a quarter of a gRPC balancer's CPU copying dead calls
 * (`bench/proxy/mapChurnGc.mjs` shows it; `docs/benchmarks.md` has the numbers). Here a deleted entry's slot is
 * cleared at once and the arrays are only replaced when the table grows.
 *
 * Stream ids of one side go up by two, so `id >>> 1` spreads consecutive streams over consecutive slots;
 * collisions resolve by linear probing, and deletion shifts the run back so no tombstones are left.
 */
export class StreamTable<V> {
  private ids: Int32Array;
  private values: (V | undefined)[];
  private mask: number;
  private count = 0;

  constructor(capacity = FIRST_CAPACITY) {
    this.ids = new Int32Array(capacity);
    this.values = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
  }

  /** Entries in it. */
  get size(): number {
    return this.count;
  }

  get(id: number): V | undefined {
    const { ids, mask } = this;
    for (let slot = (id >>> 1) & mask; ; slot = (slot + 1) & mask) {
      const at = ids[slot]!;
      if (at === id) return this.values[slot];
      if (at === 0) return undefined;
    }
  }

  /** Adds or replaces the entry for `id` (a stream id: 1 to 2^31 - 1). */
  set(id: number, value: V): void {
    if ((this.count + 1) * 2 > this.ids.length) this.grow();
    const { ids, mask } = this;
    let slot = (id >>> 1) & mask;
    while (ids[slot] !== 0 && ids[slot] !== id) slot = (slot + 1) & mask;
    if (ids[slot] === 0) this.count++;
    ids[slot] = id;
    this.values[slot] = value;
  }

  /** Removes the entry for `id`; whether there was one. */
  delete(id: number): boolean {
    const { ids, values, mask } = this;
    let slot = (id >>> 1) & mask;
    while (ids[slot] !== id) {
      if (ids[slot] === 0) return false;
      slot = (slot + 1) & mask;
    }
    // Backward-shift deletion: later entries of the run whose home lies at or before the hole move into it.
    let hole = slot;
    for (let next = (hole + 1) & mask; ids[next] !== 0; next = (next + 1) & mask) {
      const home = (ids[next]! >>> 1) & mask;
      const distanceToHole = (hole - home) & mask;
      const distanceToNext = (next - home) & mask;
      if (distanceToHole <= distanceToNext) {
        ids[hole] = ids[next]!;
        values[hole] = values[next];
        hole = next;
      }
    }
    ids[hole] = 0;
    values[hole] = undefined;
    this.count--;
    return true;
  }

  /** The values, copied: the caller may add and delete while it walks them. */
  list(): V[] {
    const out: V[] = [];
    for (let slot = 0; slot < this.ids.length; slot++) {
      if (this.ids[slot] !== 0) out.push(this.values[slot]!);
    }
    return out;
  }

  private grow(): void {
    const { ids, values } = this;
    const capacity = ids.length * 2;
    this.ids = new Int32Array(capacity);
    this.values = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.count = 0;
    for (let slot = 0; slot < ids.length; slot++) {
      if (ids[slot] !== 0) this.set(ids[slot]!, values[slot]!);
    }
    // The old array is garbage, but if it sits in the old generation its pointers would keep these values
    // alive through young collections (the very thing this table exists to avoid).
    values.fill(undefined);
  }
}
