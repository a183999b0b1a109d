/**
 * A table of header rules keyed by lower-case field name that a raw name is looked up in without lower-casing
 * it: most fields of a message are ordinary, and a `toLowerCase` per field is an allocation on the hot path.
 */
export class FieldTable<V> {
  /**
   * For each name length, a bit per first character (its low five bits, the same for both letter cases) of
   * the names in the table: a name whose bit is clear cannot match, so it is skipped after one typed-array read.
   */
  private readonly firstChars: Uint32Array;
  /** For each name length, the table's names of that length and their rules, compared letter by letter. */
  private readonly names: string[][];
  private readonly rules: V[][];

  /** @param entries - Lower-case field names and their rules. */
  constructor(entries: Iterable<readonly [string, V]>) {
    const map = new Map<string, V>(entries);
    let longest = 0;
    for (const name of map.keys()) longest = Math.max(longest, name.length);
    this.firstChars = new Uint32Array(longest + 1);
    this.names = Array.from({ length: longest + 1 }, () => []);
    this.rules = Array.from({ length: longest + 1 }, () => []);
    for (const [name, rule] of map) {
      this.firstChars[name.length]! |= 1 << (name.charCodeAt(0) & 31);
      this.names[name.length]!.push(name);
      this.rules[name.length]!.push(rule);
    }
  }

  /** The rule of a field name in any letter case, or `undefined` for a name the table does not hold. */
  get(rawName: string): V | undefined {
    const length = rawName.length;
    if (length >= this.firstChars.length) return undefined;
    if ((this.firstChars[length]! & (1 << (rawName.charCodeAt(0) & 31))) === 0) return undefined;
    const names = this.names[length]!;
    for (let i = 0; i < names.length; i++) if (sameName(rawName, names[i]!)) return this.rules[length]![i];
    return undefined;
  }
}

/** Whether `raw` is `lower` (as long) in any ASCII letter case; only letters fold, as in RFC 9110 §5.1. */
function sameName(raw: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = raw.charCodeAt(i);
    const e = lower.charCodeAt(i);
    if (c !== e && ((c | 0x20) !== e || e < 0x61 || e > 0x7a)) return false;
  }
  return true;
}
