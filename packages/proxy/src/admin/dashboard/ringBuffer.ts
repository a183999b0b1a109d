/**
 * A fixed-capacity list that keeps the most recent `capacity` items: pushing onto a full buffer drops the oldest.
 * Pushes cost O(1) and never allocate after the buffer fills, so a history sampled forever stays bounded.
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

  readonly capacity: number;

  /** @param capacity Most items kept; rounded down, at least 1. */
  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity) || 1);
    this.items = new Array<T | undefined>(this.capacity);
  }

  /** How many items it holds, at most `capacity`. */
  get size(): number {
    return this.count;
  }

  /** Adds `item` as the newest, dropping the oldest when full. */
  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** The items, oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) out.push(this.items[(start + i) % this.capacity] as T);
    return out;
  }
}
