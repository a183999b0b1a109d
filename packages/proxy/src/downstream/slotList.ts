/**
 * The live members of a set that changes once per connection (sockets, connections, sessions), in an array of
 * slots: `add` gives the member a slot, kept by the caller and handed back to `delete`; freed slots are reused.
 *
 * Why not a `Set`: V8 rebuilds a `Set`'s table every few hundred adds and deletes, in the generation the old one
 * was in, and the old one keeps pointing at the members it held. Once the set has lived through a quiet spell,
 * each discarded table holds that moment's sockets, and all they reach, alive through the next young-generation
 * collection, and they are promoted. With a client per request that cost 85 MB promoted per 48,000 requests
 * (`bench/proxy/mapChurnGc.mjs` shows the mechanism). Here a deleted member's slot is cleared at once, and the
 * array is only replaced when it grows.
 */
export class SlotList<T> {
  private readonly slots: (T | undefined)[] = [];
  private readonly free: number[] = [];
  private count = 0;

  /** Members now. */
  get size(): number {
    return this.count;
  }

  /** Adds `item`; returns its slot, for {@link SlotList.delete}. */
  add(item: T): number {
    const slot = this.free.pop() ?? this.slots.length;
    this.slots[slot] = item;
    this.count++;
    return slot;
  }

  /**
   * Removes `item` from `slot`; whether it was there. A second delete of the same member does nothing, even
   * once the slot holds another one.
   */
  delete(slot: number, item: T): boolean {
    if (this.slots[slot] !== item) return false;
    this.slots[slot] = undefined;
    this.free.push(slot);
    this.count--;
    return true;
  }

  /** Calls `fn` with each member; members deleted meanwhile are skipped, members added may be. */
  forEach(fn: (item: T) => void): void {
    const slots = this.slots;
    for (let slot = 0; slot < slots.length; slot++) {
      const item = slots[slot];
      if (item !== undefined) fn(item);
    }
  }
}
