import { ENTRY_OVERHEAD } from './dynamicTable.js';
import { EncoderTable, type Literal } from './encoderTable.js';
import { DEFAULT_HEADER_TABLE_SIZE } from './hpackDecoder.js';
import { writeInteger } from './hpackInteger.js';
import { writeLatin1 } from './latin1.js';

/** The dynamic table we keep in a peer's decoder at most: the default size, whatever more the peer allows. */
const TABLE_SIZE = DEFAULT_HEADER_TABLE_SIZE;
/** The most of the table one entry may take (RFC 7541 §4.1 size): a bigger one would evict all worth keeping. */
const ENTRY_SHARE = 1 / 4;
/** Bytes a field may take besides its name and value: a first byte, then two integers of at most 5 bytes. */
const FIELD_SLACK = 11;
/** Bytes two dynamic table size updates take at most (5-bit prefix integers of 5 bytes each). */
const UPDATES_SLACK = 10;

/**
 * Fields whose values change from message to message (RFC 7541 §7.1.3's reasoning, and the fields nghttp2
 * leaves out): indexing them would only push the fields that do repeat out of the table.
 */
const unindexed: ReadonlySet<string> = new Set([
  ':path',
  'age',
  'content-length',
  'etag',
  'if-modified-since',
  'if-none-match',
  'location',
]);

/**
 * Fields sent as never indexed (RFC 7541 §6.2.3, §7.1.3): credentials, which no table (ours, the peer's, an
 * intermediary's) should keep where a guess-and-compare attack on the compression could read them.
 */
const neverIndexed: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
]);

/** How a name's literals are sent when they fit the table: see {@link Literal}. */
function literalOf(name: string): Literal {
  if (neverIndexed.has(name)) return 0x10;
  return unindexed.has(name) ? 0x00 : 0x40;
}

/**
 * The encoding side of one connection's HPACK context (RFC 7541): field blocks in the order they go on the
 * wire, each field as the cheapest representation the two tables allow.
 *
 * - a whole match in the static or the dynamic table: one indexed field (a byte or two);
 * - otherwise a literal, with the static table's index for its name when it has one, added to the dynamic
 *   table unless its value is volatile, a credential, or too big for the table (§6.2.1);
 * - no Huffman coding: CPU over bytes.
 *
 * Indexing is for the CPU as much as for the bytes: a field seen before (most of a call's fields: the peer's
 * `user-agent`, `content-type`, `te`, `grpc-status`) costs a table lookup instead of its bytes written again.
 */
export class HpackEncoder {
  private readonly table: EncoderTable;
  /** Table size updates owed at the start of the next block (§4.2): the smallest since the last block, then the final. */
  private smallestUpdate: number | undefined = undefined;
  private finalUpdate: number | undefined = undefined;

  /** @param tableSize the largest dynamic table to keep in the peer (0: none, every block stands alone) */
  constructor(private readonly tableSize = TABLE_SIZE) {
    this.table = new EncoderTable(Math.min(tableSize, TABLE_SIZE), literalOf);
  }

  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE is now `limit`: the table becomes the smaller of it and our own
   * size, announced at the start of the next block.
   */
  setPeerLimit(limit: number): void {
    const size = Math.min(limit, this.tableSize, TABLE_SIZE);
    if (size === this.table.maxSize && this.finalUpdate === undefined) return;
    this.smallestUpdate = Math.min(this.smallestUpdate ?? size, size);
    this.finalUpdate = size;
  }

  /** The most bytes {@link HpackEncoder.encode} can write for `fields`. */
  maxBlockSize(fields: readonly string[]): number {
    let size = UPDATES_SLACK;
    for (let i = 0; i < fields.length; i += 2)
      size += fields[i]!.length + fields[i + 1]!.length + FIELD_SLACK;
    return size;
  }

  /**
   * Writes [name, value, …] (names already lower-case and valid, values as latin1 bytes) as the next field block
   * into `out` at `pos`, which has {@link HpackEncoder.maxBlockSize} bytes of room; returns the end. The block
   * must reach the peer, and blocks in the order they were encoded: the peer's table follows ours.
   */
  encode(fields: readonly string[], out: Buffer, pos: number): number {
    if (this.finalUpdate !== undefined) pos = this.writeUpdates(out, pos);
    const table = this.table;
    // The most name and value may take for their entry to be added: negative when there is no table.
    const entryRoom = table.maxSize * ENTRY_SHARE - ENTRY_OVERHEAD;
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i]!;
      const value = fields[i + 1]!;
      const state = table.state(name);
      let nameIndex = 0;
      let literal: Literal;
      if (state !== undefined) {
        const { staticValues, staticIndexes } = state;
        let index = 0;
        for (let k = 0; k < staticValues.length; k++) {
          if (staticValues[k] === value) {
            index = staticIndexes[k]!;
            break;
          }
        }
        if (index === 0 && state.dynamic !== undefined) index = table.find(state, value);
        if (index > 0) {
          pos = writeInteger(out, pos, index, 7, 0x80);
          continue;
        }
        if (staticIndexes.length > 0) nameIndex = staticIndexes[0]!;
        literal = state.literal;
      } else literal = literalOf(name);
      if (literal === 0x40 && name.length + value.length > entryRoom) literal = 0x00;
      // §6.2: the name's static index in a 6-bit (indexing) or 4-bit prefix, or 0 and the name itself.
      const prefixBits = literal === 0x40 ? 6 : 4;
      if (nameIndex > 0) pos = writeInteger(out, pos, nameIndex, prefixBits, literal);
      else {
        out[pos] = literal;
        pos = writeLatin1(out, writeInteger(out, pos + 1, name.length, 7, 0), name);
      }
      pos = writeLatin1(out, writeInteger(out, pos, value.length, 7, 0), value);
      if (literal === 0x40) table.add(name, value);
    }
    return pos;
  }

  private writeUpdates(out: Buffer, pos: number): number {
    const smallest = this.smallestUpdate!;
    const final = this.finalUpdate!;
    if (smallest < final) {
      this.table.resize(smallest);
      pos = writeInteger(out, pos, smallest, 5, 0x20);
    }
    this.table.resize(final);
    this.smallestUpdate = undefined;
    this.finalUpdate = undefined;
    return writeInteger(out, pos, final, 5, 0x20);
  }
}

/** Every block {@link encodeFieldBlock} writes stands alone: no table, nothing the next block depends on. */
const standalone = new HpackEncoder(0);

/**
 * [name, value, …] as one field block that stands alone (no dynamic table entries made or used), the
 * representation tests and one-off messages use.
 */
export function encodeFieldBlock(fields: readonly string[]): Buffer {
  const out = Buffer.allocUnsafe(standalone.maxBlockSize(fields));
  return out.subarray(0, standalone.encode(fields, out, 0));
}
