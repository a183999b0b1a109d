/**
 * A table of header rules keyed by lower-case field name that a raw name can be looked up in without
 * lower-casing it first, unless it might be in the table: most fields of a message are ordinary, and a
 * `toLowerCase` per field is an allocation on the hot path.
 */
export class FieldTable<V> {
  private readonly entries: ReadonlyMap<string, V>;
  /**
   * For each name length, a bit per first character (its low five bits, the same for both letter cases) of
   * the names in the table: a name whose bit is clear cannot match, so it is skipped after one typed-array read.
   * Derived from the entries, so the table stays the one place that says which names have a rule.
   */
  private readonly firstChars: Uint32Array;

  /** @param entries - Lower-case field names and their rules. */
  constructor(entries: Iterable<readonly [string, V]>) {
    const map = new Map<string, V>(entries);
    let longest = 0;
    for (const name of map.keys()) longest = Math.max(longest, name.length);
    const firstChars = new Uint32Array(longest + 1);
    for (const name of map.keys()) firstChars[name.length]! |= 1 << (name.charCodeAt(0) & 31);
    this.entries = map;
    this.firstChars = firstChars;
  }

  /** The rule of a field name in any letter case, or `undefined` for a name the table does not hold. */
  get(rawName: string): V | undefined {
    const length = rawName.length;
    if (length >= this.firstChars.length) return undefined;
    if ((this.firstChars[length]! & (1 << (rawName.charCodeAt(0) & 31))) === 0) return undefined;
    return this.entries.get(rawName.toLowerCase());
  }
}
