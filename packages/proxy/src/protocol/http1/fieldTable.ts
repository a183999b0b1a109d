/**
 * A table of header rules keyed by lower-case field name that a raw name can be looked up in without
 * lower-casing it: most fields of a message are ordinary, and a `toLowerCase` per field is an allocation on the
 * hot path. Field names are case-insensitive in ASCII only (RFC 9110 §5.1), so the comparison folds A–Z alone.
 */
export class FieldTable<V> {
  /**
   * For each name length, a bit per first character (its low five bits, the same for both letter cases) of
   * the names in the table: a name whose bit is clear cannot match, so it is skipped after one typed-array read.
   */
  private readonly firstChars: Uint32Array;
  /** For each name length, the table's names of that length and their rules. */
  private readonly byLength: (readonly (readonly [string, V])[] | undefined)[];

  /** @param entries - Lower-case field names and their rules. */
  constructor(entries: Iterable<readonly [string, V]>) {
    const map = new Map<string, V>(entries);
    let longest = 0;
    for (const name of map.keys()) longest = Math.max(longest, name.length);
    const firstChars = new Uint32Array(longest + 1);
    const byLength: [string, V][][] = [];
    for (const [name, rule] of map) {
      firstChars[name.length]! |= 1 << (name.charCodeAt(0) & 31);
      byLength[name.length] ??= [];
      byLength[name.length]!.push([name, rule]);
    }
    this.firstChars = firstChars;
    this.byLength = byLength;
  }

  /** The rule of a field name in any letter case, or `undefined` for a name the table does not hold. */
  get(rawName: string): V | undefined {
    const length = rawName.length;
    if (length >= this.firstChars.length) return undefined;
    if ((this.firstChars[length]! & (1 << (rawName.charCodeAt(0) & 31))) === 0) return undefined;
    const candidates = this.byLength[length]!;
    for (let k = 0; k < candidates.length; k++) {
      const [name, rule] = candidates[k]!;
      if (sameIgnoringAsciiCase(rawName, name)) return rule;
    }
    return undefined;
  }
}

/**
 * Whether `raw` begins with `lower` (lower case) once A–Z in `raw` are folded to a–z; other characters must
 * match as they are. With equal lengths: whether they are the same field name.
 */
export function sameIgnoringAsciiCase(raw: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = raw.charCodeAt(i);
    const l = lower.charCodeAt(i);
    if (c !== l && !(l >= 0x61 && l <= 0x7a && c === l - 0x20)) return false;
  }
  return true;
}
