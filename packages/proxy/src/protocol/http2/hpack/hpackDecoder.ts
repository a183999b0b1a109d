import { DynamicTable } from './dynamicTable.js';
import { HpackError } from './hpackError.js';
import { huffmanDecode } from './huffmanDecode.js';
import { latin1 } from './latin1.js';
import { STATIC_COUNT, staticNames, staticValues } from './staticTable.js';

/** SETTINGS_HEADER_TABLE_SIZE when none is sent (RFC 9113 §6.5.2). */
export const DEFAULT_HEADER_TABLE_SIZE = 4096;
/** The largest integer accepted (RFC 7541 §5.1 leaves the limit to us): more is an attack or a mistake. */
const MAX_INTEGER = 0x7fffffff;
/** Continuation bytes an integer may take: 5 hold 35 bits, enough for MAX_INTEGER after any prefix. */
const MAX_SHIFT = 28;
/** Per field, what RFC 9113 §6.5.2 adds to name and value when sizing a field list. */
const FIELD_OVERHEAD = 32;
const EMPTY = Buffer.alloc(0);
/**
 * Coded values remembered (see `unindexedValue`): shorter ones decode about as fast as they compare; 64 bytes
 * hold a gRPC method path of 80 characters or so, and V8 keeps a typed array that small on its own heap.
 */
const MIN_REMEMBERED = 8;
const MAX_REMEMBERED = 64;

/**
 * Tells whether a field is well-formed for the decoder's owner (HTTP/2's rules on names and values); see
 * {@link HpackDecoder.wellFormed}.
 */
export type FieldCheck = (name: string, value: string) => boolean;

/** The decoding side of one connection's HPACK context (RFC 7541): its dynamic table lives across blocks. */
export class HpackDecoder {
  /**
   * Whether every field of the last block passed the `check` given to the constructor (always `false`
   * without one). A field is checked once when it is decoded as a literal; a field taken from a table carries
   * the answer its entry got when it was added, so most of a connection's fields are never checked again.
   */
  wellFormed = false;
  private readonly limit: number;
  private readonly table: DynamicTable;
  /** The buffer holding the block being decoded, the read position and the block's end: set by `decode`. */
  private bytes: Buffer = EMPTY;
  private pos = 0;
  private end = 0;
  /** The last value of a field not indexed, as coded (its length prefix included) and as text; made when needed. */
  private lastValue: Uint8Array | undefined;
  private lastCodedLength = 0;
  private lastText = '';
  /** For each static entry (by index), whether it passes `check`. */
  private readonly staticWellFormed: readonly boolean[];

  /**
   * @param tableSize the SETTINGS_HEADER_TABLE_SIZE we advertise: the most the peer's dynamic table may hold
   * (4096 default). The table starts at that size; the peer's size updates may go up to it and no further.
   */
  constructor(
    tableSize = DEFAULT_HEADER_TABLE_SIZE,
    private readonly check: FieldCheck | undefined = undefined,
  ) {
    this.limit = tableSize;
    this.table = new DynamicTable(tableSize);
    this.staticWellFormed = staticNames.map(
      (name, i) => i > 0 && check !== undefined && check(name, staticValues[i]!),
    );
  }

  /**
   * Decodes one complete field block (HEADERS + CONTINUATION payloads already joined, padding/priority removed)
   * into [name, value, name, value, …] (latin1 strings, bytes kept as they are: validation is the caller's).
   * Returns `undefined` when the list is over `maxListSize` (RFC 9113 §6.5.2 size: name + value + 32 per field):
   * the block is still decoded to its end so the dynamic table stays in sync, but no more fields are kept once
   * over (an HPACK bomb costs the attacker, not our memory). Throws HpackError on any malformed input.
   *
   * The block is `block[start..end)` (all of it by default): a session decodes it where the frame arrived.
   */
  decode(block: Uint8Array, maxListSize: number, start = 0, end = block.length): string[] | undefined {
    const bytes = Buffer.isBuffer(block)
      ? block
      : Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
    this.wellFormed = false;
    try {
      return this.fields(bytes, maxListSize);
    } finally {
      this.bytes = EMPTY;
    }
  }

  private fields(bytes: Buffer, maxListSize: number): string[] | undefined {
    const table = this.table;
    const end = this.end;
    let fields: string[] | undefined = [];
    let listSize = 0;
    let sizeUpdates = 0;
    let fieldSeen = false;
    const check = this.check;
    let wellFormed = check !== undefined;
    while (this.pos < end) {
      const first = bytes[this.pos]!;
      let name: string;
      let value: string;
      if (first >= 0x80) {
        // §6.1 indexed field.
        const index = this.integer(7);
        if (index <= STATIC_COUNT) {
          if (index === 0) throw new HpackError('an indexed field has index 0');
          name = staticNames[index]!;
          value = staticValues[index]!;
          wellFormed &&= this.staticWellFormed[index]!;
        } else {
          const k = this.dynamicEntry(index);
          name = table.name(k);
          value = table.value(k);
          wellFormed &&= table.marked(k);
        }
      } else if (first >= 0x40) {
        // §6.2.1 literal with incremental indexing: it enters the dynamic table.
        const index = this.integer(6);
        name = index === 0 ? this.string() : this.nameAt(index);
        value = this.string();
        const checked = check !== undefined && check(name, value);
        wellFormed &&= checked;
        table.add(name, value, checked);
      } else if (first >= 0x20) {
        // §6.3 dynamic table size update: only before the first field (§4.2), at most two of them (the
        // smallest size since the last block, then the final one).
        if (fieldSeen) throw new HpackError('a dynamic table size update follows a field');
        if (++sizeUpdates > 2) throw new HpackError('more than two dynamic table size updates in one block');
        const size = this.integer(5);
        if (size > this.limit) {
          throw new HpackError(`a dynamic table size update to ${size} is over the ${this.limit} allowed`);
        }
        table.resize(size);
        continue;
      } else {
        // §6.2.2 without indexing, §6.2.3 never indexed: alike to a decoder.
        const index = this.integer(4);
        name = index === 0 ? this.string() : this.nameAt(index);
        value = this.unindexedValue();
        wellFormed &&= check !== undefined && check(name, value);
      }
      fieldSeen = true;
      if (fields === undefined) continue;
      listSize += name.length + value.length + FIELD_OVERHEAD;
      if (listSize > maxListSize) fields = undefined;
      else fields.push(name, value);
    }
    this.wellFormed = wellFormed;
    return fields;
  }

  /** The name at `index` (not 0) in the static then the dynamic table. */
  private nameAt(index: number): string {
    return index <= STATIC_COUNT ? staticNames[index]! : this.table.name(this.dynamicEntry(index));
  }

  /** The dynamic table entry (0 the newest) that `index`, past the static table, refers to. */
  private dynamicEntry(index: number): number {
    const k = index - STATIC_COUNT - 1;
    if (k >= this.table.length) {
      throw new HpackError(`index ${index} is past the ${this.table.length} dynamic table entries`);
    }
    return k;
  }

  /** An integer with an N-bit prefix at the read position (RFC 7541 §5.1), which must be in the block. */
  private integer(prefixBits: number): number {
    const bytes = this.bytes;
    let pos = this.pos;
    const max = (1 << prefixBits) - 1;
    let value = bytes[pos++]! & max;
    if (value === max) {
      for (let shift = 0; ; shift += 7) {
        if (pos >= this.end) throw new HpackError('the field block ends inside an integer');
        if (shift > MAX_SHIFT) throw new HpackError('an integer has too many continuation bytes');
        const byte = bytes[pos++]!;
        value += (byte & 0x7f) * 2 ** shift;
        if (value > MAX_INTEGER) throw new HpackError('an integer is over 2^31-1');
        if (byte < 0x80) break;
      }
    }
    this.pos = pos;
    return value;
  }

  /**
   * The value of a field not indexed: the same as last time when its coded bytes are (the `:path` of every call
   * to one gRPC method: nghttp2 never indexes `:path`), which a comparison tells for less than a decode costs.
   */
  private unindexedValue(): string {
    const bytes = this.bytes;
    const start = this.pos;
    let last = this.lastValue;
    const length = this.lastCodedLength;
    if (last !== undefined && length <= this.end - start) {
      let i = 0;
      while (i < length && bytes[start + i] === last[i]) i++;
      if (i === length) {
        this.pos = start + length;
        return this.lastText;
      }
    }
    const text = this.string();
    const coded = this.pos - start;
    if (coded >= MIN_REMEMBERED && coded <= MAX_REMEMBERED) {
      if (last === undefined) {
        last = new Uint8Array(MAX_REMEMBERED);
        this.lastValue = last;
      }
      for (let i = 0; i < coded; i++) last[i] = bytes[start + i]!;
      this.lastCodedLength = coded;
      this.lastText = text;
    }
    return text;
  }

  /** A string literal at the read position (RFC 7541 §5.2), raw or Huffman-coded. */
  private string(): string {
    const bytes = this.bytes;
    if (this.pos >= this.end) throw new HpackError('the field block ends before a string');
    const huffman = bytes[this.pos]! >= 0x80;
    const length = this.integer(7);
    const start = this.pos;
    if (length > this.end - start) throw new HpackError('a string runs past the end of the field block');
    this.pos = start + length;
    return huffman ? huffmanDecode(bytes, start, this.pos) : latin1(bytes, start, this.pos);
  }
}
