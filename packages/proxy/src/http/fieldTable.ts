/**
 * A table of header rules keyed by lower-case field name that a raw name can be looked up in without
 * lower-casing it first, unless it might be in the table: most fields of a message are ordinary, and a
 * `toLowerCase` per field is an allocation on the hot path.
 */
export class FieldTable<V> {
  private readonly entries: ReadonlyMap<string, V>;
  /**
   * Length, first and last character (case-folded) of every name in the table, packed into one number: a name
   * whose key is missing cannot match, so it is skipped after three char reads. Derived from the entries, so
   * the table stays the one place that says which names have a rule.
   */
  private readonly keys: ReadonlySet<number>;

  /** @param entries - Lower-case field names and their rules. */
  constructor(entries: Iterable<readonly [string, V]>) {
    const map = new Map<string, V>();
    const keys = new Set<number>();
    for (const [name, rule] of entries) {
      map.set(name, rule);
      keys.add(prefilterKey(name));
    }
    this.entries = map;
    this.keys = keys;
  }

  /** The rule of a field name in any letter case, or `undefined` for a name the table does not hold. */
  get(rawName: string): V | undefined {
    if (rawName.length === 0 || !this.keys.has(prefilterKey(rawName))) return undefined;
    return this.entries.get(rawName.toLowerCase());
  }

  /** The rule of an already lower-case field name. */
  getLower(lowerName: string): V | undefined {
    return this.entries.get(lowerName);
  }
}

/** ASCII letters differ from their upper case by bit 0x20 only; other tchars are left as they are. */
function fold(code: number): number {
  return code >= 0x41 && code <= 0x5a ? code | 0x20 : code;
}

function prefilterKey(name: string): number {
  return name.length * 65_536 + fold(name.charCodeAt(0)) * 256 + fold(name.charCodeAt(name.length - 1));
}
