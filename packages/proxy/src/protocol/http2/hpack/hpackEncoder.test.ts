import { mulberry32 } from '@lb/strategies';
import { describe, expect, it } from 'vitest';
import { HpackDecoder } from './hpackDecoder.js';
import { encodeFieldBlock, HpackEncoder } from './hpackEncoder.js';
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
    const next = mulberry32(16);
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

/** One block from `encoder`, as the bytes it wrote. */
function block(encoder: HpackEncoder, fields: readonly string[]): Buffer {
  const out = Buffer.alloc(encoder.maxBlockSize(fields));
  return out.subarray(0, encoder.encode(fields, out, 0));
}

describe('HpackEncoder', () => {
  it('adds a field to the dynamic table once, then sends it as one indexed byte', () => {
    const encoder = new HpackEncoder();
    // 0x40: literal with incremental indexing, new name.
    expect(block(encoder, ['x-a', 'b'])).toEqual(Buffer.from([0x40, 3, 0x78, 0x2d, 0x61, 1, 0x62]));
    // Index 62, the newest dynamic entry.
    expect(block(encoder, ['x-a', 'b'])).toEqual(Buffer.from([0xbe]));
    // content-type is static name 31: 0x40 | 31; the older entry moves to 63.
    expect(block(encoder, ['content-type', 'application/grpc'])[0]).toBe(0x5f);
    expect(block(encoder, ['x-a', 'b', 'content-type', 'application/grpc'])).toEqual(
      Buffer.from([0xbf, 0xbe]),
    );
  });

  it('never indexes credentials, and leaves volatile fields out of the table', () => {
    const encoder = new HpackEncoder();
    for (let round = 0; round < 2; round++) {
      // cookie is static name 32: never indexed (0x10) with a 4-bit prefix, 15 + 17.
      expect([...block(encoder, ['cookie', 'a=1']).subarray(0, 3)]).toEqual([0x1f, 0x11, 3]);
      expect([...block(encoder, ['authorization', 'Basic x']).subarray(0, 2)]).toEqual([0x1f, 0x08]);
      // :path is static name 4, content-length 28: literals without indexing, every time.
      expect([...block(encoder, [':path', '/a']).subarray(0, 2)]).toEqual([0x04, 2]);
      expect([...block(encoder, ['content-length', '12']).subarray(0, 2)]).toEqual([0x0f, 13]);
    }
  });

  it('leaves out of the table a field bigger than a quarter of it', () => {
    const encoder = new HpackEncoder();
    const big = 'v'.repeat(1024);
    for (let round = 0; round < 2; round++) expect(block(encoder, ['x-big', big])[0]).toBe(0x00);
  });

  it('announces a smaller table, and both the smallest and the final size when it shrank and grew again', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const fields = ['x-a', 'b'];
    expect(decoder.decode(block(encoder, fields), NO_LIMIT)).toEqual(fields);
    encoder.setPeerLimit(65_536); // more than we keep: nothing changes, nothing to announce
    expect(block(encoder, fields)).toEqual(Buffer.from([0xbe]));
    encoder.setPeerLimit(0);
    const none = block(encoder, fields);
    // 0x20: size 0; then a literal without indexing, since there is no table.
    expect([...none.subarray(0, 2)]).toEqual([0x20, 0x00]);
    expect(decoder.decode(none, NO_LIMIT)).toEqual(fields);
    expect(block(encoder, fields)[0]).toBe(0x00);
    encoder.setPeerLimit(100);
    encoder.setPeerLimit(4096);
    const back = block(encoder, fields);
    // 100 then 4096 (0x3f e1 1f): the table was never smaller than 100 between the blocks.
    expect([...back.subarray(0, 5)]).toEqual([0x3f, 0x45, 0x3f, 0xe1, 0x1f]);
    expect(decoder.decode(back, NO_LIMIT)).toEqual(fields);
    expect(block(encoder, fields)).toEqual(Buffer.from([0xbe]));
  });

  it('stays in step with HpackDecoder over thousands of blocks that add, find and evict entries', () => {
    let state = 61;
    const pick = (count: number) => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return Math.floor((state / 4_294_967_296) * count);
    };
    const names = Array.from({ length: 12 }, (_, i) => `x-name-${i}`);
    const values = Array.from({ length: 30 }, (_, i) => 'v'.repeat(pick(200)) + String(i));
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const limits = [0, 64, 300, 4096, 100_000];
    let referring = 0;
    for (let round = 0; round < 3000; round++) {
      if (pick(50) === 0) encoder.setPeerLimit(limits[pick(limits.length)]!);
      const fields: string[] = [];
      for (let count = pick(12); count > 0; count--) {
        if (pick(5) === 0) fields.push(staticNames[1 + pick(61)]!, values[pick(values.length)]!);
        else fields.push(names[pick(names.length)]!, values[pick(values.length)]!);
      }
      const bytes = block(encoder, fields);
      expect(bytes.length).toBeLessThanOrEqual(encoder.maxBlockSize(fields));
      expect(decoder.decode(bytes, NO_LIMIT)).toEqual(fields);
      try {
        new HpackDecoder().decode(bytes, NO_LIMIT);
      } catch {
        referring++;
      }
    }
    // Deterministic (seeded): blocks that only a decoder in step with the encoder can read.
    expect(referring).toBeGreaterThan(400);
  });
});
