import { huffmanCodes, huffmanLengths, staticTable } from './http2HpackTables.js';

/**
 * Just enough HPACK (RFC 7541) for a test client: a Huffman encoder for requests, and a decoder of the
 * server's field blocks, so a test reads `:status` whichever representation the server chose (indexed, literal,
 * Huffman, dynamic table) instead of expecting nghttp2's bytes.
 */

/** `value` Huffman-coded (§5.2), padded with the most significant bits of EOS (all ones). */
export function huffmanEncode(value: string): Buffer {
  const out: number[] = [];
  let bits = 0;
  let count = 0;
  for (const byte of Buffer.from(value, 'latin1')) {
    const length = huffmanLengths[byte]!;
    // Codes are up to 30 bits: feed them a bit at a time so no shift overflows 32 bits.
    for (let i = length - 1; i >= 0; i--) {
      bits = (bits << 1) | ((huffmanCodes[byte]! >>> i) & 1);
      if (++count === 8) {
        out.push(bits);
        bits = 0;
        count = 0;
      }
    }
  }
  if (count > 0) out.push((bits << (8 - count)) | ((1 << (8 - count)) - 1));
  return Buffer.from(out);
}

/** Symbols by code, keyed `length:code`, built once. */
const symbols = new Map<string, number>(
  huffmanCodes.map((code, symbol) => [`${huffmanLengths[symbol]}:${code}`, symbol]),
);

function huffmanDecode(bytes: Buffer): string {
  const out: number[] = [];
  let code = 0;
  let length = 0;
  for (const byte of bytes) {
    for (let i = 7; i >= 0; i--) {
      code = code * 2 + ((byte >> i) & 1);
      length++;
      const symbol = symbols.get(`${length}:${code}`);
      if (symbol === 256) throw new Error('EOS in a Huffman string');
      if (symbol !== undefined) {
        out.push(symbol);
        code = 0;
        length = 0;
      }
    }
  }
  if (length > 7 || code !== 2 ** length - 1) throw new Error('bad Huffman padding');
  return Buffer.from(out).toString('latin1');
}

/** A decoder of one connection's field blocks, in the order the server sent them (the dynamic table is shared). */
export class HpackDecoder {
  private dynamic: [string, string][] = [];
  private size = 0;
  private max = 4096;
  private at = 0;
  private block: Buffer = Buffer.alloc(0);

  /** The fields of `block`; throws on anything RFC 7541 calls a decoding error. */
  decode(block: Buffer): [string, string][] {
    this.block = block;
    this.at = 0;
    const fields: [string, string][] = [];
    while (this.at < block.length) {
      const first = block[this.at]!;
      if (first & 0x80) fields.push(this.entry(this.integer(7)));
      else if ((first & 0xe0) === 0x20) this.resize(this.integer(5));
      else {
        const incremental = (first & 0xc0) === 0x40;
        const index = this.integer(incremental ? 6 : 4);
        const name = index === 0 ? this.string() : this.entry(index)[0];
        const field: [string, string] = [name, this.string()];
        if (incremental) this.add(field);
        fields.push(field);
      }
    }
    return fields;
  }

  private entry(index: number): [string, string] {
    const found =
      index <= staticTable.length ? staticTable[index - 1] : this.dynamic[index - staticTable.length - 1];
    if (index === 0 || found === undefined) throw new Error(`no table entry ${index}`);
    return [found[0], found[1]];
  }

  private add(field: [string, string]): void {
    this.dynamic.unshift(field);
    this.size += field[0].length + field[1].length + 32;
    this.evict();
  }

  private resize(max: number): void {
    this.max = max;
    this.evict();
  }

  private evict(): void {
    while (this.size > this.max) {
      const [name, value] = this.dynamic.pop()!;
      this.size -= name.length + value.length + 32;
    }
  }

  private integer(prefix: number): number {
    const max = 2 ** prefix - 1;
    let value = this.block[this.at++]! & max;
    if (value < max) return value;
    for (let shift = 0; ; shift += 7) {
      const byte = this.block[this.at++];
      if (byte === undefined) throw new Error('truncated integer');
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
  }

  private string(): string {
    const huffman = (this.block[this.at]! & 0x80) !== 0;
    const length = this.integer(7);
    const bytes = this.block.subarray(this.at, this.at + length);
    if (bytes.length < length) throw new Error('truncated string');
    this.at += length;
    return huffman ? huffmanDecode(bytes) : bytes.toString('latin1');
  }
}
