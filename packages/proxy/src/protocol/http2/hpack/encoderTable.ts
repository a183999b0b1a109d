import { DynamicTable } from './dynamicTable.js';
import { STATIC_COUNT } from './staticTable.js';

/**
 * The encoder's copy of the dynamic table it builds in the peer's decoder (RFC 7541 §2.3.2), with a lookup from
 * a field to its entry. Entries are numbered in the order they were added: entry `n` is at HPACK index
 * `STATIC_COUNT + added - n` while it is in the table, so adding one renumbers nothing in the lookup.
 */
export class EncoderTable extends DynamicTable {
  /** Entries ever added; the newest is number `added - 1`. */
  private added = 0;
  /**
   * By name, by value, the number of the entry holding that field. An empty inner map is dropped at once, so
   * names that never repeat do not pile up.
   */
  private readonly byField = new Map<string, Map<string, number>>();

  /** The HPACK index of the entry holding exactly `name: value`, or 0. */
  find(name: string, value: string): number {
    const number = this.byField.get(name)?.get(value);
    return number === undefined ? 0 : STATIC_COUNT + this.added - number;
  }

  override add(name: string, value: string): boolean {
    if (!super.add(name, value, false)) return false;
    let byValue = this.byField.get(name);
    if (byValue === undefined) {
      byValue = new Map();
      this.byField.set(name, byValue);
    }
    byValue.set(value, this.added++);
    return true;
  }

  protected override evicted(name: string, value: string): void {
    const byValue = this.byField.get(name)!;
    byValue.delete(value);
    if (byValue.size === 0) this.byField.delete(name);
  }
}
