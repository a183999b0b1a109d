/** What each entry costs against the table size besides its bytes (RFC 7541 §4.1). */
export const ENTRY_OVERHEAD = 32;

/**
 * The decoder's dynamic table (RFC 7541 §2.3.2, §4): newest entry first, the oldest evicted while the entries'
 * size (name + value + 32 each) is over the capacity. A ring of two arrays, grown by doubling, so adding and
 * evicting move no entries.
 */
export class DynamicTable {
  /** Empty until the first entry: many connections never index a field. */
  private names: string[] = [];
  private values: string[] = [];
  /** A flag the owner keeps with each entry (the decoder: the field is well-formed). */
  private marks: boolean[] = [];
  /** Slot of the newest entry. */
  private newest = 0;
  private count = 0;
  private size = 0;
  private capacity: number;

  /** @param capacity the most the entries may take, in RFC 7541 §4.1 size */
  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** The most the entries may take now. */
  get maxSize(): number {
    return this.capacity;
  }

  /** How many entries the table holds. */
  get length(): number {
    return this.count;
  }

  /** The name of entry `k`, 0 being the newest (`k` below `length`). */
  name(k: number): string {
    return this.names[(this.newest - k) & (this.names.length - 1)]!;
  }

  /** The value of entry `k`, 0 being the newest (`k` below `length`). */
  value(k: number): string {
    return this.values[(this.newest - k) & (this.values.length - 1)]!;
  }

  /** The flag entry `k` was added with. */
  marked(k: number): boolean {
    return this.marks[(this.newest - k) & (this.marks.length - 1)]!;
  }

  /**
   * Adds an entry (with a flag of the owner's), evicting the oldest to make room; one bigger than the capacity
   * empties the table (§4.4) and is not added (`false`).
   */
  add(name: string, value: string, mark = false): boolean {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    this.evictTo(this.capacity - size);
    if (size > this.capacity) return false;
    if (this.count === this.names.length) this.grow();
    this.newest = (this.newest + 1) & (this.names.length - 1);
    this.names[this.newest] = name;
    this.values[this.newest] = value;
    this.marks[this.newest] = mark;
    this.count++;
    this.size += size;
    return true;
  }

  /** Sets a new capacity (a dynamic table size update, §6.3), evicting what no longer fits. */
  resize(capacity: number): void {
    this.capacity = capacity;
    this.evictTo(capacity);
  }

  /** Drops the oldest entries until the entries take at most `size` (all of them when `size` is negative). */
  private evictTo(size: number): void {
    const mask = this.names.length - 1;
    while (this.count > 0 && this.size > size) {
      const oldest = (this.newest - this.count + 1) & mask;
      this.size -= this.names[oldest]!.length + this.values[oldest]!.length + ENTRY_OVERHEAD;
      this.evicted(this.names[oldest]!, this.values[oldest]!);
      // Let go of the strings: a table holds on to nothing it evicted.
      this.names[oldest] = '';
      this.values[oldest] = '';
      this.count--;
    }
  }

  /** Told of each entry as it leaves the table (the encoder's lookup follows it). */
  protected evicted(_name: string, _value: string): void {}

  /** Doubles the ring, the entries laid out oldest first from slot 0. */
  private grow(): void {
    const length = Math.max(16, this.names.length * 2);
    const names = new Array<string>(length).fill('');
    const values = new Array<string>(length).fill('');
    const marks = new Array<boolean>(length).fill(false);
    for (let k = 0; k < this.count; k++) {
      names[this.count - 1 - k] = this.name(k);
      values[this.count - 1 - k] = this.value(k);
      marks[this.count - 1 - k] = this.marked(k);
    }
    this.names = names;
    this.values = values;
    this.marks = marks;
    this.newest = this.count - 1;
  }
}
