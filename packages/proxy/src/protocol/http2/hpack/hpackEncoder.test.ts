import { describe, expect, it } from 'vitest';
import { HpackDecoder } from './hpackDecoder.js';
import { encodeFieldBlock } from './hpackEncoder.js';
import { staticNames, staticValues } from './staticTable.js';

const NO_LIMIT = 1 << 30;

describe('encodeFieldBlock', () => {
  it('writes a whole static match as an indexed field', () => {
    expect(
      encodeFieldBlock([':status', '200', ':method', 'GET', 'accept-encoding', 'gzip, deflate']),
    ).toEqual(Buffer.from([0x88, 0x82, 0x90]));
  });

  it('writes a static name match as a literal without indexing with the name index', () => {
    // content-type is static entry 31: 0000 1111 then 31 - 15 = 16.
    expect(encodeFieldBlock(['content-type', 'text/plain'])).toEqual(
      Buffer.concat([Buffer.from([0x0f, 0x10, 10]), Buffer.from('text/plain')]),
    );
    expect(encodeFieldBlock([':status', '302'])).toEqual(Buffer.from([0x08, 3, 0x33, 0x30, 0x32]));
  });

  it('writes any other field as a literal without indexing with a new name, values as latin1', () => {
    expect(encodeFieldBlock(['x-a', 'é'])).toEqual(Buffer.from([0x00, 3, 0x78, 0x2d, 0x61, 1, 0xe9]));
  });

  it('writes multi-byte lengths for long names and values', () => {
    const name = `x-${'n'.repeat(200)}`;
    const value = 'v'.repeat(70_000);
    const block = encodeFieldBlock([name, value, 'grpc-status', '0']);
    expect(new HpackDecoder().decode(block, NO_LIMIT)).toEqual([name, value, 'grpc-status', '0']);
  });

  it('encodes lists of any length (500 fields)', () => {
    const fields = Array.from({ length: 500 }, (_, i) => [
      i % 2 === 0 ? ':status' : `x-${i}`,
      String(i),
    ]).flat();
    expect(new HpackDecoder().decode(encodeFieldBlock(fields), NO_LIMIT)).toEqual(fields);
  });

  it('encodes the empty list as an empty block', () => {
    expect(encodeFieldBlock([])).toHaveLength(0);
  });

  it('leaves the peer dynamic table untouched: a second decode of the same block is the same', () => {
    const fields = [':status', '200', 'content-type', 'application/grpc', 'x-trace', 'abc'];
    const decoder = new HpackDecoder(0);
    expect(decoder.decode(encodeFieldBlock(fields), NO_LIMIT)).toEqual(fields);
    expect(decoder.decode(encodeFieldBlock(fields), NO_LIMIT)).toEqual(fields);
  });

  it('round-trips every static entry, and every static name with another value', () => {
    for (let index = 1; index < staticNames.length; index++) {
      const fields = [staticNames[index]!, staticValues[index]!, staticNames[index]!, 'other value'];
      expect(new HpackDecoder().decode(encodeFieldBlock(fields), NO_LIMIT)).toEqual(fields);
    }
  });

  it('round-trips seeded random field lists through HpackDecoder', () => {
    let state = 16;
    const next = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = (count: number) => Math.floor(next() * count);
    const text = (length: number, lowest: number) =>
      String.fromCharCode(...Array.from({ length }, () => lowest + pick(256 - lowest)));
    const decoder = new HpackDecoder();
    for (let round = 0; round < 2000; round++) {
      const fields: string[] = [];
      for (let count = pick(40); count > 0; count--) {
        const kind = pick(4);
        if (kind === 0) {
          const index = 1 + pick(61);
          fields.push(staticNames[index]!, staticValues[index]!);
        } else if (kind === 1) fields.push(staticNames[1 + pick(61)]!, text(pick(300), 0));
        else fields.push(text(1 + pick(140), 0x21).toLowerCase(), text(pick(200), 0));
      }
      expect(decoder.decode(encodeFieldBlock(fields), NO_LIMIT)).toEqual(fields);
    }
  });
});
