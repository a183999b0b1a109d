import { integerLength, writeInteger } from './hpackInteger.js';
import { writeLatin1 } from './latin1.js';
import { staticMatch } from './staticLookup.js';

/** Each field's static-table standing (see `staticMatch`), kept from the sizing pass for the writing pass. */
let matches = new Int32Array(64);

/**
 * The size of [name, value, …] (names already lower-case and valid) as one field block: a whole static-table
 * match as an indexed field, a static name match as a literal without indexing with that name index, anything
 * else as a literal without indexing with a new name. No dynamic table (always legal whatever the peer's
 * SETTINGS_HEADER_TABLE_SIZE, and nothing to keep in sync), no Huffman (CPU over bytes on our links).
 * {@link writeFieldBlock} must follow for the same fields: this pass keeps each field's static-table standing
 * for it.
 */
export function fieldBlockSize(fields: readonly string[]): number {
  const count = fields.length >> 1;
  if (count > matches.length) matches = new Int32Array(Math.max(count, matches.length * 2));
  let size = 0;
  for (let i = 0; i < count; i++) {
    const name = fields[2 * i]!;
    const value = fields[2 * i + 1]!;
    const match = staticMatch(name, value);
    matches[i] = match;
    if (match > 0) {
      size += integerLength(match, 7);
      continue;
    }
    // §6.2.2: a 4-bit name index (0 for a new name, then the name as a string), then the value as a string.
    size += match < 0 ? integerLength(-match, 4) : 1 + integerLength(name.length, 7) + name.length;
    size += integerLength(value.length, 7) + value.length;
  }
  return size;
}

/**
 * Writes the field block {@link fieldBlockSize} just sized into `out` at `pos` (room for it is the caller's
 * business); returns the end. Values are written as latin1 bytes.
 */
export function writeFieldBlock(fields: readonly string[], out: Buffer, pos: number): number {
  const count = fields.length >> 1;
  for (let i = 0; i < count; i++) {
    const match = matches[i]!;
    if (match > 0) {
      pos = writeInteger(out, pos, match, 7, 0x80);
      continue;
    }
    if (match < 0) pos = writeInteger(out, pos, -match, 4, 0);
    else {
      const name = fields[2 * i]!;
      out[pos++] = 0;
      pos = writeLatin1(out, writeInteger(out, pos, name.length, 7, 0), name);
    }
    const value = fields[2 * i + 1]!;
    pos = writeLatin1(out, writeInteger(out, pos, value.length, 7, 0), value);
  }
  return pos;
}

/** [name, value, …] as one field block of its own (see {@link fieldBlockSize}). */
export function encodeFieldBlock(fields: readonly string[]): Buffer {
  const out = Buffer.allocUnsafe(fieldBlockSize(fields));
  writeFieldBlock(fields, out, 0);
  return out;
}
