import { mulberry32 } from '@lb/strategies';
import { describe, expect, it } from 'vitest';
import { HpackDecoder } from './hpackDecoder.js';
import { HpackError } from './hpackError.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const NO_LIMIT = 1 << 30;

/** One field block as the RFC lays it out: each representation's bytes, and the fields the block decodes to. */
interface Vector {
  representations: string[];
  fields: [string, string][];
  /** The dynamic table after the block, newest first, and its RFC 7541 §4.1 size. */
  table: [string, string][];
  size: number;
}

const pairs = (list: readonly string[] | undefined) => {
  if (list === undefined) throw new Error('no field list');
  return Array.from({ length: list.length / 2 }, (_, i) => [list[2 * i]!, list[2 * i + 1]!]);
};

/** The dynamic table, read through the public API: indexed fields 62, 63, … until one is past the end. */
function tableOf(decoder: HpackDecoder): { entries: string[][]; size: number } {
  const entries: string[][] = [];
  for (let index = 62; ; index++) {
    const bytes = index < 127 ? Buffer.from([0x80 | index]) : Buffer.from([0xff, index - 127]);
    try {
      entries.push(pairs(decoder.decode(bytes, NO_LIMIT))[0]!);
    } catch (error) {
      expect(error).toBeInstanceOf(HpackError);
      break;
    }
  }
  return {
    entries,
    size: entries.reduce((sum, [name, value]) => sum + name!.length + value!.length + 32, 0),
  };
}

const request1: [string, string][] = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':path', '/'],
  [':authority', 'www.example.com'],
];
const request2: [string, string][] = [...request1, ['cache-control', 'no-cache']];
const request3: [string, string][] = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':path', '/index.html'],
  [':authority', 'www.example.com'],
  ['custom-key', 'custom-value'],
];
const authority: [string, string] = [':authority', 'www.example.com'];
const noCache: [string, string] = ['cache-control', 'no-cache'];
const custom: [string, string] = ['custom-key', 'custom-value'];

const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const date2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const location: [string, string] = ['location', 'https://www.example.com'];
const response1: [string, string][] = [
  [':status', '302'],
  ['cache-control', 'private'],
  ['date', date1],
  location,
];
const response2: [string, string][] = [[':status', '307'], ...response1.slice(1)];
const response3: [string, string][] = [
  [':status', '200'],
  ['cache-control', 'private'],
  ['date', date2],
  location,
  ['content-encoding', 'gzip'],
  ['set-cookie', cookie],
];
const table1: [string, string][] = [
  location,
  ['date', date1],
  ['cache-control', 'private'],
  [':status', '302'],
];
const table2: [string, string][] = [
  [':status', '307'],
  location,
  ['date', date1],
  ['cache-control', 'private'],
];
const table3: [string, string][] = [
  ['set-cookie', cookie],
  ['content-encoding', 'gzip'],
  ['date', date2],
];

/** RFC 7541 Appendix C: each sequence of blocks is decoded on one connection, in order. */
const sequences: { name: string; tableSize: number; blocks: Vector[] }[] = [
  {
    name: 'C.3 requests without Huffman',
    tableSize: 4096,
    blocks: [
      {
        representations: ['82', '86', '84', '410f 7777 772e 6578 616d 706c 652e 636f 6d'],
        fields: request1,
        table: [authority],
        size: 57,
      },
      {
        representations: ['82', '86', '84', 'be', '5808 6e6f 2d63 6163 6865'],
        fields: request2,
        table: [noCache, authority],
        size: 110,
      },
      {
        representations: [
          '82',
          '87',
          '85',
          'bf',
          '400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
        ],
        fields: request3,
        table: [custom, noCache, authority],
        size: 164,
      },
    ],
  },
  {
    name: 'C.4 requests with Huffman',
    tableSize: 4096,
    blocks: [
      {
        representations: ['82', '86', '84', '418c f1e3 c2e5 f23a 6ba0 ab90 f4ff'],
        fields: request1,
        table: [authority],
        size: 57,
      },
      {
        representations: ['82', '86', '84', 'be', '5886 a8eb 1064 9cbf'],
        fields: request2,
        table: [noCache, authority],
        size: 110,
      },
      {
        representations: ['82', '87', '85', 'bf', '4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'],
        fields: request3,
        table: [custom, noCache, authority],
        size: 164,
      },
    ],
  },
  {
    name: 'C.5 responses without Huffman, 256-byte table',
    tableSize: 256,
    blocks: [
      {
        representations: [
          '4803 3330 32',
          '5807 7072 6976 6174 65',
          '611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 54',
          '6e17 6874 7470 733a 2f2f 7777 772e 6578 616d 706c 652e 636f 6d',
        ],
        fields: response1,
        table: table1,
        size: 222,
      },
      {
        representations: ['4803 3330 37', 'c1', 'c0', 'bf'],
        fields: response2,
        table: table2,
        size: 222,
      },
      {
        representations: [
          '88',
          'c1',
          '611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54',
          'c0',
          '5a04 677a 6970',
          '7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61' +
            '6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
        ],
        fields: response3,
        table: table3,
        size: 215,
      },
    ],
  },
  {
    name: 'C.6 responses with Huffman, 256-byte table',
    tableSize: 256,
    blocks: [
      {
        representations: [
          '4882 6402',
          '5885 aec3 771a 4b',
          '6196 d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff',
          '6e91 9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3',
        ],
        fields: response1,
        table: table1,
        size: 222,
      },
      {
        representations: ['4883 640e ff', 'c1', 'c0', 'bf'],
        fields: response2,
        table: table2,
        size: 222,
      },
      {
        representations: [
          '88',
          'c1',
          '6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff',
          'c0',
          '5a83 9bd9 ab',
          '77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed' +
            '4ee5 b106 3d50 07',
        ],
        fields: response3,
        table: table3,
        size: 215,
      },
    ],
  },
];

const blockOf = (vector: Vector) => hex(vector.representations.join(''));

describe('HpackDecoder: RFC 7541 Appendix C', () => {
  it('C.2.1 literal with indexing enters the dynamic table', () => {
    const decoder = new HpackDecoder();
    const block = hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572');
    expect(pairs(decoder.decode(block, NO_LIMIT))).toEqual([['custom-key', 'custom-header']]);
    expect(tableOf(decoder)).toEqual({ entries: [['custom-key', 'custom-header']], size: 55 });
  });

  it('C.2.2 and C.2.3: literals without indexing and never indexed leave the table empty', () => {
    const decoder = new HpackDecoder();
    expect(pairs(decoder.decode(hex('040c 2f73 616d 706c 652f 7061 7468'), NO_LIMIT))).toEqual([
      [':path', '/sample/path'],
    ]);
    expect(pairs(decoder.decode(hex('1008 7061 7373 776f 7264 0673 6563 7265 74'), NO_LIMIT))).toEqual([
      ['password', 'secret'],
    ]);
    expect(tableOf(decoder)).toEqual({ entries: [], size: 0 });
  });

  it('C.2.4 indexed field', () => {
    const decoder = new HpackDecoder();
    expect(pairs(decoder.decode(hex('82'), NO_LIMIT))).toEqual([[':method', 'GET']]);
    expect(tableOf(decoder).entries).toEqual([]);
  });

  for (const sequence of sequences) {
    it(`${sequence.name}: fields, table contents and size after each block`, () => {
      const decoder = new HpackDecoder(sequence.tableSize);
      for (const vector of sequence.blocks) {
        expect(pairs(decoder.decode(blockOf(vector), NO_LIMIT))).toEqual(vector.fields);
        expect(tableOf(decoder)).toEqual({ entries: vector.table, size: vector.size });
      }
    });

    it(`${sequence.name}: every cut of every block throws HpackError unless it falls between fields`, () => {
      for (const [at, vector] of sequence.blocks.entries()) {
        const block = blockOf(vector);
        const boundaries = new Map<number, number>();
        let offset = 0;
        for (const [count, representation] of vector.representations.entries()) {
          boundaries.set(offset, count);
          offset += hex(representation).length;
        }
        for (let cut = 0; cut < block.length; cut++) {
          const decoder = new HpackDecoder(sequence.tableSize);
          for (const earlier of sequence.blocks.slice(0, at)) decoder.decode(blockOf(earlier), NO_LIMIT);
          const part = block.subarray(0, cut);
          const fields = boundaries.get(cut);
          if (fields === undefined) expect(() => decoder.decode(part, NO_LIMIT)).toThrow(HpackError);
          else expect(pairs(decoder.decode(part, NO_LIMIT))).toEqual(vector.fields.slice(0, fields));
        }
      }
    });
  }

  it('takes a block as a plain Uint8Array as well as a Buffer', () => {
    const bytes = new Uint8Array(blockOf(sequences[1]!.blocks[0]!));
    expect(pairs(new HpackDecoder().decode(bytes, NO_LIMIT))).toEqual(request1);
  });
});

describe('HpackDecoder: malformed blocks throw HpackError', () => {
  const cases: [string, string][] = [
    ['an indexed field with index 0', '80'],
    ['an index past the static table with an empty dynamic table', 'be'],
    ['an index far past both tables', 'ff 80 01'],
    ['a literal whose name index is past both tables', '0f 2f 01 61'],
    ['an indexed literal whose name index is past both tables', '7f 00 01 61'],
    ['an integer over 2^31-1', 'ff ff ff ff ff 0f'],
    ['an integer of 2^31 exactly', 'ff 81 ff ff ff 07'],
    ['an integer with six continuation bytes', 'ff 80 80 80 80 80 00'],
    ['a string running past the block', '00 05 61 62'],
    ['a string length running past the block', '00 7f 80'],
    ['a Huffman string holding EOS', '00 84 ff ff ff ff 01 61'],
    ['Huffman padding of 11 bits', '00 82 1f ff 01 61'],
    ['Huffman padding that is not all ones', '00 81 18 01 61'],
    ['Huffman padding of a whole zero byte', '00 82 1f 00 01 61'],
    ['a size update after a field', '82 20'],
    ['a size update above the advertised size', '3f e2 1f'],
    ['three size updates', '20 20 20'],
    ['an indexed literal without its name', '40'],
    ['an indexed literal without its value', '40 01 61'],
    ['a literal without its value', '04'],
    ['an integer cut after its prefix', '0f'],
    ['an integer cut inside its continuation', '0f 80'],
  ];
  for (const [what, bytes] of cases) {
    it(what, () => {
      expect(() => new HpackDecoder().decode(hex(bytes), NO_LIMIT)).toThrow(HpackError);
    });
  }

  it('accepts the largest integer, 2^31-1, as an integer (here a string length running past)', () => {
    expect(() => new HpackDecoder().decode(hex('00 7f 80 ff ff ff 07'), NO_LIMIT)).toThrow(
      /string runs past/,
    );
  });

  it('names the error HpackError', () => {
    expect(() => new HpackDecoder().decode(hex('80'), NO_LIMIT)).toThrow(
      expect.objectContaining({ name: 'HpackError' }),
    );
  });
});

describe('HpackDecoder: dynamic table size updates', () => {
  const entry = hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'); // 55 bytes

  it('accepts an update up to the advertised size and evicts what no longer fits', () => {
    const decoder = new HpackDecoder();
    decoder.decode(entry, NO_LIMIT);
    decoder.decode(entry, NO_LIMIT);
    expect(tableOf(decoder).entries).toHaveLength(2);
    expect(decoder.decode(hex('3f 18'), NO_LIMIT)).toEqual([]); // 31 + 24 = 55: one entry fits
    expect(tableOf(decoder)).toEqual({ entries: [['custom-key', 'custom-header']], size: 55 });
    expect(decoder.decode(hex('3f e1 1f'), NO_LIMIT)).toEqual([]); // back to 4096, the limit
  });

  it('accepts two updates at the start of a block: the smallest size, then the final one (§4.2)', () => {
    const decoder = new HpackDecoder();
    decoder.decode(entry, NO_LIMIT);
    expect(pairs(decoder.decode(Buffer.concat([hex('20 3f e1 1f'), entry]), NO_LIMIT))).toEqual([
      ['custom-key', 'custom-header'],
    ]);
    // The update to 0 emptied the table before the new entry came in.
    expect(tableOf(decoder).entries).toHaveLength(1);
  });

  it('refuses an update above a smaller advertised size, and starts at that size', () => {
    const decoder = new HpackDecoder(100);
    expect(() => decoder.decode(hex('3f 46'), NO_LIMIT)).toThrow(HpackError); // 101
    const small = new HpackDecoder(100);
    small.decode(entry, NO_LIMIT);
    small.decode(entry, NO_LIMIT); // 110 bytes: the first is evicted
    expect(tableOf(small).entries).toHaveLength(1);
  });

  it('with a table size of 0, an indexed literal is decoded but never stored', () => {
    const decoder = new HpackDecoder(0);
    expect(pairs(decoder.decode(entry, NO_LIMIT))).toEqual([['custom-key', 'custom-header']]);
    expect(tableOf(decoder).entries).toEqual([]);
  });

  it('an entry larger than the table empties it (§4.4)', () => {
    const decoder = new HpackDecoder(100);
    decoder.decode(entry, NO_LIMIT);
    const big = Buffer.concat([hex('40 01 61 7f 20'), Buffer.alloc(159, 0x62)]); // 'a': 159 × 'b', 192 bytes
    decoder.decode(big, NO_LIMIT);
    expect(tableOf(decoder).entries).toEqual([]);
  });
});

describe('HpackDecoder: field list size (RFC 9113 §6.5.2)', () => {
  const block = hex('82 86 84 41 0f 7777 772e 6578 616d 706c 652e 636f 6d');
  const size = 7 + 3 + 32 + (7 + 4 + 32) + (5 + 1 + 32) + (10 + 15 + 32);

  it('returns the list at exactly the limit and undefined one byte under it', () => {
    expect(pairs(new HpackDecoder().decode(block, size))).toEqual(request1);
    expect(new HpackDecoder().decode(block, size - 1)).toBeUndefined();
  });

  it('keeps the dynamic table in sync when over the limit', () => {
    const decoder = new HpackDecoder();
    expect(decoder.decode(block, 10)).toBeUndefined();
    expect(pairs(decoder.decode(hex('be'), NO_LIMIT))).toEqual([authority]);
  });

  it('an HPACK bomb (a 4 KiB entry referenced 16,384 times) returns undefined', () => {
    const decoder = new HpackDecoder();
    const value = 'x'.repeat(4000);
    const insert = Buffer.concat([hex('40 01 62 7f a1 1e'), Buffer.from(value)]); // 127 + 33 + 30·128 = 4000
    expect(pairs(decoder.decode(insert, NO_LIMIT))).toEqual([['b', value]]);
    const bomb = Buffer.alloc(16_384, 0xbe);
    expect(decoder.decode(bomb, 64 * 1024)).toBeUndefined();
    // The same block under no limit: every reference resolves to the one stored entry.
    const all = decoder.decode(bomb, NO_LIMIT)!;
    expect(all).toHaveLength(2 * 16_384);
    expect(all[all.length - 1]).toBe(value);
  });
});

describe('HpackDecoder: hostile bytes', () => {
  it('random blocks either decode or throw HpackError, and one decoder survives them all', () => {
    const next = mulberry32(7541);
    const decoder = new HpackDecoder();
    let thrown = 0;
    for (let round = 0; round < 20_000; round++) {
      const block = Buffer.from(
        Array.from({ length: 1 + Math.floor(next() * 24) }, () => Math.floor(next() * 256)),
      );
      try {
        const fields = decoder.decode(block, 4096);
        if (fields !== undefined) for (const text of fields) expect(typeof text).toBe('string');
      } catch (error) {
        expect(error).toBeInstanceOf(HpackError);
        thrown++;
      }
    }
    expect(thrown).toBeGreaterThan(0);
    expect(thrown).toBeLessThan(20_000);
  });

  it('every single-bit flip of the Appendix C blocks decodes or throws HpackError', () => {
    for (const sequence of sequences) {
      for (const vector of sequence.blocks) {
        const block = blockOf(vector);
        for (let bit = 0; bit < block.length * 8; bit++) {
          const flipped = Buffer.from(block);
          flipped[bit >> 3] = flipped[bit >> 3]! ^ (0x80 >> (bit & 7));
          try {
            new HpackDecoder(sequence.tableSize).decode(flipped, NO_LIMIT);
          } catch (error) {
            expect(error).toBeInstanceOf(HpackError);
          }
        }
      }
    }
  });
});

describe('HpackDecoder: the last value not indexed, remembered', () => {
  /** `:path` (static name 4) as a literal without indexing, raw. */
  const path = (value: string) =>
    Buffer.concat([Buffer.from([0x04, value.length]), Buffer.from(value, 'latin1')]);

  it('decodes a repeated value, a value of the same length that differs, and a longer one alike', () => {
    const decoder = new HpackDecoder();
    const long = `/${'l'.repeat(100)}`; // over the 64 coded bytes remembered
    const values = [
      '/pkg.Service/Method',
      '/pkg.Service/Method',
      '/pkg.Service/Methoe',
      '/pkg.Service/Method/x',
      long,
      long,
      '/pkg.Service/Method/x',
    ];
    for (const value of values) expect(decoder.decode(path(value), NO_LIMIT)).toEqual([':path', value]);
    // The same bytes under another name, and Huffman-coded values, are decoded as such.
    const other = Buffer.concat([
      Buffer.from([0x00, 3]),
      Buffer.from('x-a'),
      path('/pkg.Service/Method').subarray(1),
    ]);
    expect(decoder.decode(other, NO_LIMIT)).toEqual(['x-a', '/pkg.Service/Method']);
    const huffman = hex('0496 d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff');
    expect(decoder.decode(huffman, NO_LIMIT)).toEqual([':path', 'Mon, 21 Oct 2013 20:13:21 GMT']);
    expect(decoder.decode(huffman, NO_LIMIT)).toEqual([':path', 'Mon, 21 Oct 2013 20:13:21 GMT']);
  });

  it('keeps its own copy: a block buffer reused for the next block is read afresh', () => {
    const decoder = new HpackDecoder();
    const buffer = path('/first/value/abc');
    expect(decoder.decode(buffer, NO_LIMIT)).toEqual([':path', '/first/value/abc']);
    path('/other/value/xyz').copy(buffer);
    expect(decoder.decode(buffer, NO_LIMIT)).toEqual([':path', '/other/value/xyz']);
  });

  it('a remembered value cut short by the end of the block still throws', () => {
    const decoder = new HpackDecoder();
    const block = path('/pkg.Service/Method');
    decoder.decode(block, NO_LIMIT);
    for (let cut = 1; cut < block.length; cut++) {
      expect(() => decoder.decode(block.subarray(0, cut), NO_LIMIT)).toThrow(HpackError);
    }
  });
});

describe('HpackDecoder.wellFormed', () => {
  /** Lower-case names (or pseudo-headers) and values without controls: the test's own rule. */
  const check = (name: string, value: string) =>
    (name.startsWith(':') || name === name.toLowerCase()) && [...value].every((c) => c.charCodeAt(0) >= 0x20);
  const literalIndexed = (name: string, value: string) =>
    Buffer.concat([
      Buffer.from([0x40, name.length]),
      Buffer.from(name),
      Buffer.from([value.length]),
      Buffer.from(value),
    ]);
  const literal = (name: string, value: string) =>
    Buffer.concat([
      Buffer.from([0x00, name.length]),
      Buffer.from(name),
      Buffer.from([value.length]),
      Buffer.from(value),
    ]);

  it('is false without a check', () => {
    const decoder = new HpackDecoder();
    decoder.decode(hex('82'), NO_LIMIT);
    expect(decoder.wellFormed).toBe(false);
  });

  it('tells each block apart, and a table entry keeps the answer it got when it was added', () => {
    const decoder = new HpackDecoder(undefined, check);
    const outcome = (block: Buffer) => {
      decoder.decode(block, NO_LIMIT);
      return decoder.wellFormed;
    };
    expect(outcome(hex('82 84'))).toBe(true); // static entries
    expect(outcome(literalIndexed('x-good', 'v'))).toBe(true);
    expect(outcome(literalIndexed('X-Bad', 'v'))).toBe(false);
    expect(outcome(hex('be'))).toBe(false); // 62: X-Bad, referred to by index
    expect(outcome(hex('bf'))).toBe(true); // 63: x-good
    expect(outcome(Buffer.concat([hex('82 bf'), literal('x-ctl', 'a\u0001')]))).toBe(false);
    expect(outcome(Buffer.concat([literal('x-ok', 'fine'), hex('bf')]))).toBe(true);
  });
});
