/** An entry of a {@link BoundedCache}; holders of one can mark it used without a key lookup. */
export interface CacheRecord<V> {
  readonly value: V;
  /** Set on every hit; cleared when the entry gets its second chance. */
  used: boolean;
  /** True once the entry has left the cache. */
  evicted: boolean;
}

/**
 * A map of at most `capacity` entries that evicts one not used lately. An approximate LRU (second chance, or
 * "clock"): a hit only sets a flag, so the hot path is one property write, and eviction moves used entries to
 * the back once before dropping the oldest unused one.
 */
export class BoundedCache<K, V> {
  private readonly records = new Map<K, CacheRecord<V>>();

  constructor(
    readonly capacity: number,
    private readonly onEvict: (key: K, value: V) => void = () => {},
  ) {}

  get size(): number {
    return this.records.size;
  }

  /** The record under `key`, marked used. */
  get(key: K): CacheRecord<V> | undefined {
    const record = this.records.get(key);
    if (record !== undefined) record.used = true;
    return record;
  }

  /** Adds `value`, evicting others beyond `capacity`; returns its record. */
  set(key: K, value: V): CacheRecord<V> {
    // Room is made first, so the new entry is never the one evicted.
    while (this.records.size >= this.capacity) this.evictOne();
    const record: CacheRecord<V> = { value, used: false, evicted: false };
    this.records.set(key, record);
    return record;
  }

  private evictOne(): void {
    // Entries moved to the back are visited again, so this ends after at most one full pass of second chances.
    for (const [key, record] of this.records) {
      this.records.delete(key);
      if (record.used) {
        record.used = false;
        this.records.set(key, record);
      } else {
        record.evicted = true;
        this.onEvict(key, record.value);
        return;
      }
    }
  }
}
