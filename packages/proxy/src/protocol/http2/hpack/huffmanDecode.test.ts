import { describe, expect, it } from 'vitest';
import { HpackError } from './hpackError.js';
import { EOS, huffmanCodes, huffmanLengths } from './huffmanCode.js';
import { huffmanDecode } from './huffmanDecode.js';

/** A Huffman encoder for the tests only (ours never sends Huffman): codes packed MSB first, padded with ones. */
function huffmanEncode(bytes: readonly number[], padding?: { bits: number; value: number }): Buffer {
  let bits = '';
  for (const byte of bytes) bits += huffmanCodes[byte]!.toString(2).padStart(huffmanLengths[byte]!, '0');
  if (padding === undefined) bits += '1'.repeat((8 - (bits.length % 8)) % 8);
  else bits += padding.value.toString(2).padStart(padding.bits, '0');
  if (bits.length % 8 !== 0) throw new Error('padding leaves a partial byte');
  return Buffer.from(
    Array.from({ length: bits.length / 8 }, (_, i) => Number.parseInt(bits.slice(8 * i, 8 * i + 8), 2)),
  );
}

const decode = (bytes: Buffer) => huffmanDecode(bytes, 0, bytes.length);

describe('huffmanDecode (RFC 7541 Appendix B)', () => {
  it('has a code for every byte and EOS, the shortest of 5 bits and EOS of 30 ones', () => {
    expect(huffmanLengths).toHaveLength(257);
    expect(Math.min(...huffmanLengths)).toBe(5);
    expect(huffmanLengths[EOS]).toBe(30);
    expect(huffmanCodes[EOS]).toBe(2 ** 30 - 1);
    // Spot checks against Appendix B: '0' is 00000, 'a' 00011, '%' 010101, 0 is 1111111111000 (13 bits).
    expect([huffmanCodes[48], huffmanLengths[48]]).toEqual([0b00000, 5]);
    expect([huffmanCodes[97], huffmanLengths[97]]).toEqual([0b00011, 5]);
    expect([huffmanCodes[37], huffmanLengths[37]]).toEqual([0b010101, 6]);
    expect([huffmanCodes[0], huffmanLengths[0]]).toEqual([0x1ff8, 13]);
  });

  it('decodes every byte value, alone and all together', () => {
    for (let byte = 0; byte < 256; byte++) {
      expect(decode(huffmanEncode([byte]))).toBe(String.fromCharCode(byte));
    }
    const all = Array.from({ length: 256 }, (_, byte) => byte);
    expect(decode(huffmanEncode(all))).toBe(Buffer.from(all).toString('latin1'));
  });

  it('decodes the empty string and strings of every padding length', () => {
    expect(decode(Buffer.alloc(0))).toBe('');
    // 'a' has 5 bits and '%' 6: combinations end at every bit position of the last byte.
    for (let a = 0; a < 8; a++) {
      for (let percent = 0; percent < 3; percent++) {
        const text = 'a'.repeat(a) + '%'.repeat(percent);
        expect(decode(huffmanEncode(Array.from(Buffer.from(text))))).toBe(text);
      }
    }
  });

  it('decodes inside a larger buffer, between the given offsets', () => {
    const coded = huffmanEncode(Array.from(Buffer.from('www.example.com')));
    const framed = Buffer.concat([Buffer.from([1, 2, 3]), coded, Buffer.from([0, 0])]);
    expect(huffmanDecode(framed, 3, 3 + coded.length)).toBe('www.example.com');
  });

  it('decodes long strings, in the grown scratch buffer and past it', () => {
    for (const length of [5000, 30_000, 200_000]) {
      const text = 'z0'.repeat(length / 2);
      expect(decode(huffmanEncode(Array.from(Buffer.from(text))))).toBe(text);
    }
    expect(decode(huffmanEncode(Array.from(Buffer.from('short'))))).toBe('short');
  });

  it('throws HpackError on EOS inside a string', () => {
    expect(() => decode(huffmanEncode([97, EOS]))).toThrow(HpackError);
    expect(() => decode(huffmanEncode([EOS, 97]))).toThrow(HpackError);
  });

  it('throws HpackError on padding longer than 7 bits', () => {
    // 'a' (5 bits) then 11 ones: a whole padding byte too many.
    expect(() => decode(huffmanEncode([97], { bits: 11, value: 0x7ff }))).toThrow(HpackError);
    expect(() => decode(Buffer.from([0xff]))).toThrow(HpackError);
  });

  it('throws HpackError on padding that is not all ones', () => {
    for (let value = 0; value < 7; value++) {
      expect(() => decode(huffmanEncode([97], { bits: 3, value }))).toThrow(HpackError);
    }
    expect(decode(huffmanEncode([97], { bits: 3, value: 7 }))).toBe('a');
  });
});
