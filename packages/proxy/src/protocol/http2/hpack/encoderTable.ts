import { DynamicTable } from './dynamicTable.js';
import { STATIC_COUNT, staticNames, staticValues } from './staticTable.js';

/**
 * How a name's literal fields are sent (RFC 7541 §6.2), as the first byte's pattern: 0x40 with incremental
 * indexing (§6.2.1, it enters the table), 0x00 without indexing (§6.2.2: volatile values), 0x10 never indexed
 * (§6.2.3: credentials).
 */
export type Literal = 0x40 | 0x00 | 0x10;

/** What the encoder knows of one field name: its static entries and the dynamic entries it has now. */
export interface NameState {
  /** The static table's values for the name, and their indexes; empty for a name it lacks. */
  readonly staticValues: readonly string[];
  readonly staticIndexes: readonly number[];
  /** How the name's literals are sent, when they fit the table. */
  readonly literal: Literal;
  /** The name's dynamic entries: by value, the entry's number (see {@link EncoderTable}). */
  dynamic: Map<string, number> | undefined;
}

/**
 * The encoder's copy of the dynamic table it builds in the peer's decoder (RFC 7541 §2.3.2), and one lookup by
 * name for both tables: a field costs one `Map` lookup whether it is found in the static table, in the dynamic
 * one, or in neither. Entries are numbered in the order they were added: entry `n` is at HPACK index
 * `STATIC_COUNT + added - n` while it is in the table, so adding one renumbers nothing in the lookup.
 */
export class EncoderTable extends DynamicTable {
  /** Entries ever added; the newest is number `added - 1`. */
  private added = 0;
  /**
   * By name. The static table's names stay; another name leaves once its last dynamic entry has, so names that
   * never repeat do not pile up.
   */
  private readonly byName = new Map<string, NameState>();

  /**
   * @param capacity the most the entries may take, in RFC 7541 §4.1 size
   * @param literalOf how a name's literals are sent
   */
  constructor(
    capacity: number,
    private readonly literalOf: (name: string) => Literal,
  ) {
    super(capacity);
    for (let index = 1; index <= STATIC_COUNT; index++) {
      const name = staticNames[index]!;
      let state = this.byName.get(name);
      if (state === undefined) {
        state = { staticValues: [], staticIndexes: [], literal: literalOf(name), dynamic: undefined };
        this.byName.set(name, state);
      }
      (state.staticValues as string[]).push(staticValues[index]!);
      (state.staticIndexes as number[]).push(index);
    }
  }

  /** What is known of `name`, or `undefined` for a name in neither table. */
  state(name: string): NameState | undefined {
    return this.byName.get(name);
  }

  /** The HPACK index of the dynamic entry of `state`'s name holding `value`, or 0. */
  find(state: NameState, value: string): number {
    const number = state.dynamic?.get(value);
    return number === undefined ? 0 : STATIC_COUNT + this.added - number;
  }

  override add(name: string, value: string): boolean {
    if (!super.add(name, value, false)) return false;
    let state = this.byName.get(name);
    if (state === undefined) {
      state = { staticValues: [], staticIndexes: [], literal: this.literalOf(name), dynamic: undefined };
      this.byName.set(name, state);
    }
    state.dynamic ??= new Map();
    state.dynamic.set(value, this.added++);
    return true;
  }

  protected override evicted(name: string, value: string): void {
    const state = this.byName.get(name)!;
    state.dynamic!.delete(value);
    if (state.dynamic!.size > 0) return;
    state.dynamic = undefined;
    if (state.staticIndexes.length === 0) this.byName.delete(name);
  }
}
