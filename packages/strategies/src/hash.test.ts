import { describe, expect, it } from 'vitest';
import { hashKey, secondaryHashKey, xxHash32, xxHash32Words } from './hash.js';

// Published xxHash32 vectors (the xxHash reference implementation's sanity values, as reproduced by many ports).
const seed0: ReadonlyArray<readonly [string, number]> = [
  ['', 0x02cc5d05],
  ['a', 0x550d7456],
  ['abc', 0x32d153ff],
  ['test', 0x3e2023cf],
  ['Hello World!', 0x0bd69788],
  ['The quick brown fox jumps over the lazy dog', 0xe85ea4de],
  ['0123', 0x0a0b4c93],
  ['01234', 0x8aa3b71c],
  ['0123456789:;<=>', 0xa089ca17],
  ['0123456789:;<=>?', 0xbee4114f],
  ['0123456789:;<=>?@', 0x237a0d72],
  ['0123456789:;<=>?@ABCDE', 0x5be99f64],
];

const seed12345678: ReadonlyArray<readonly [string, number]> = [
  ['', 0xbd209070],
  ['0', 0xf53c91ba],
  ['012', 0x2cc61bf2],
  ['0123456789', 0x8ed12491],
  ['0123456789:;<=>?', 0xefb49920],
  ['0123456789:;<=>?@ABC', 0x6a418db1],
];

describe('xxHash32', () => {
  it.each(seed0)('hashes %j with seed 0 to the published value', (input, expected) => {
    expect(xxHash32(input)).toBe(expected);
  });

  it.each(seed12345678)('hashes %j with seed 0x12345678 to the published value', (input, expected) => {
    expect(xxHash32(input, 0x12345678)).toBe(expected);
  });

  it('matches the published value for the empty input with seed PRIME32_1', () => {
    expect(xxHash32('', 2654435761)).toBe(0x36b78ae7);
  });

  it('hashes a string as its UTF-8 bytes', () => {
    for (const text of ['é', 'naïve café', '日本語のキー', '🙂 emoji', `${'x'.repeat(300)}ü`]) {
      expect(xxHash32(text)).toBe(xxHash32(new Uint8Array(Buffer.from(text, 'utf8'))));
    }
  });

  it('handles strings longer than the initial scratch buffer', () => {
    const long = 'k'.repeat(10_000);
    expect(xxHash32(long)).toBe(xxHash32(new Uint8Array(Buffer.from(long))));
    expect(xxHash32('abc')).toBe(0x32d153ff);
  });

  it('hashes two words exactly as their 8 little-endian bytes', () => {
    const bytes = new Uint8Array(8);
    const view = new DataView(bytes.buffer);
    for (const [a, b, seed] of [
      [0, 0, 0],
      [1, 2, 0],
      [0xffffffff, 0x80000000, 7],
      [123456789, 987654321, 0x5bd1e995],
    ] as const) {
      view.setUint32(0, a, true);
      view.setUint32(4, b, true);
      expect(xxHash32Words(a, b, seed)).toBe(xxHash32(bytes, seed));
    }
  });

  it('returns unsigned 32-bit integers', () => {
    for (let i = 0; i < 1000; i++) {
      const h = xxHash32(`key-${i}`);
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    }
  });
});

describe('hashKey and secondaryHashKey', () => {
  it('are deterministic and differ from each other', () => {
    expect(hashKey('user-42')).toBe(hashKey('user-42'));
    expect(secondaryHashKey('user-42')).toBe(secondaryHashKey('user-42'));
    expect(hashKey('user-42')).not.toBe(secondaryHashKey('user-42'));
  });

  it('spread sequential keys evenly over 16 buckets, independently of each other', () => {
    const n = 32_000;
    const primary = new Array<number>(16).fill(0);
    const joint = new Array<number>(16).fill(0);
    for (let i = 0; i < n; i++) {
      const h1 = hashKey(`key-${i}`);
      const h2 = secondaryHashKey(`key-${i}`);
      primary[h1 & 15]! += 1;
      joint[((h1 & 3) << 2) | (h2 & 3)]! += 1;
    }
    // Expected 2000 per bucket; a standard deviation is ~43, so ±10 % is over 4.5 sigma.
    for (const count of [...primary, ...joint]) expect(Math.abs(count - n / 16)).toBeLessThan(n / 160);
  });
});
