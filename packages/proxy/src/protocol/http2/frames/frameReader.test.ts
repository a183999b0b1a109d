import { mulberry32 } from '@lb/strategies';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_SIZE, FrameType } from './frameKinds.js';
import { FrameReader, type FrameSink } from './frameReader.js';
import { frameWithRoom } from './frameWriter.js';

interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

const LIMIT = DEFAULT_MAX_FRAME_SIZE;

function encode(frame: Frame): Buffer {
  const out = frameWithRoom(frame.payload.length, frame.type, frame.flags, frame.streamId);
  frame.payload.copy(out, FRAME_HEADER_SIZE);
  return out;
}

function filled(length: number, seed: number): Buffer {
  const next = mulberry32(seed);
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

/** Every frame type of RFC 9113 and an extension type, empty, tiny, and exactly at the limit. */
const frames: Frame[] = [
  ...Object.values(FrameType).map((type, i) => ({
    type,
    flags: i,
    streamId: i * 2 + 1,
    payload: filled(i * 3, i),
  })),
  { type: 0xfa, flags: 0xff, streamId: 0x7fffffff, payload: filled(17, 99) },
  { type: FrameType.DATA, flags: 0, streamId: 3, payload: Buffer.alloc(0) },
  { type: FrameType.DATA, flags: 1, streamId: 5, payload: filled(LIMIT, 7) },
  { type: FrameType.SETTINGS, flags: 1, streamId: 0, payload: Buffer.alloc(0) },
  { type: FrameType.CONTINUATION, flags: 4, streamId: 9, payload: filled(LIMIT, 8) },
  { type: FrameType.PING, flags: 0, streamId: 0, payload: filled(8, 9) },
];
const wire = Buffer.concat(frames.map(encode));

/** A sink that copies what it is given (payloads are views of chunks) and stops after `stopAfter` frames. */
function collector(stopAfter = Number.POSITIVE_INFINITY): FrameSink & { readonly got: Frame[] } {
  const got: Frame[] = [];
  return {
    got,
    onFrame(type, flags, streamId, buffer, start, end) {
      got.push({ type, flags, streamId, payload: Buffer.from(buffer.subarray(start, end)) });
      return got.length < stopAfter;
    },
  };
}

function feed(chunks: readonly Buffer[]): Frame[] {
  const reader = new FrameReader(LIMIT);
  const sink = collector();
  for (const chunk of chunks) {
    const result = reader.push(chunk, sink);
    if (result !== 'ok') expect.fail(`push gave '${result}'`);
  }
  return sink.got;
}

/** Where `got` differs from `frames`, in words (compared by hand: thousands of deep equalities would be slow). */
function mismatch(got: readonly Frame[]): string | undefined {
  if (got.length !== frames.length) return `${got.length} frames instead of ${frames.length}`;
  for (let i = 0; i < frames.length; i++) {
    const a = got[i]!;
    const b = frames[i]!;
    if (
      a.type !== b.type ||
      a.flags !== b.flags ||
      a.streamId !== b.streamId ||
      !a.payload.equals(b.payload)
    ) {
      return `frame ${i} differs`;
    }
  }
  return undefined;
}

function splitAt(buffer: Buffer, cuts: readonly number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    pieces.push(buffer.subarray(from, cut));
    from = cut;
  }
  pieces.push(buffer.subarray(from));
  return pieces;
}

describe('FrameReader', () => {
  it('reads the frames of one chunk as they were written', () => {
    expect(feed([wire])).toEqual(frames);
  });

  it('yields the same frames with the stream split at every byte position', () => {
    for (let cut = 0; cut <= wire.length; cut++) {
      const problem = mismatch(feed(splitAt(wire, [cut])));
      if (problem !== undefined) expect.fail(`split at ${cut}: ${problem}`);
    }
  });

  it('yields the same frames fed one byte at a time', () => {
    const bytes: Buffer[] = [];
    for (let i = 0; i < wire.length; i++) bytes.push(wire.subarray(i, i + 1));
    expect(mismatch(feed(bytes))).toBeUndefined();
  });

  it('yields the same frames in random chunkings (seeded)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = mulberry32(seed);
      const cuts: number[] = [];
      // Short chunks for some seeds (many splits inside headers), long ones for others.
      const scale = seed % 3 === 0 ? 20 : seed % 3 === 1 ? 2_000 : 20_000;
      for (let at = Math.floor(next() * scale); at < wire.length; at += 1 + Math.floor(next() * scale))
        cuts.push(at);
      const problem = mismatch(feed(splitAt(wire, cuts)));
      if (problem !== undefined) expect.fail(`seed ${seed}: ${problem}`);
    }
  });

  it('hands on a frame inside one chunk as a range of it, not a copy', () => {
    const reader = new FrameReader(LIMIT);
    const chunk = encode({ type: FrameType.DATA, flags: 0, streamId: 1, payload: Buffer.from('abc') });
    let seen: [Buffer, number, number] | undefined;
    reader.push(chunk, {
      onFrame(_type, _flags, _id, buffer, start, end) {
        seen = [buffer, start, end];
        return true;
      },
    });
    expect(seen).toEqual([chunk, 9, 12]);
    expect(seen?.[0]).toBe(chunk);
  });

  it('masks the reserved bit of the stream id', () => {
    const chunk = encode({ type: FrameType.DATA, flags: 0, streamId: 1, payload: Buffer.alloc(0) });
    chunk[5] = chunk[5]! | 0x80;
    expect(feed([chunk])[0]?.streamId).toBe(1);
  });

  describe('a frame over the limit', () => {
    const tooLong = frameWithRoom(0, FrameType.DATA, 0, 1);
    tooLong.writeUIntBE(LIMIT + 1, 0, 3);
    const before = encode(frames[1]!);

    it('is reported from its header alone, after the frames before it', () => {
      const reader = new FrameReader(LIMIT);
      const sink = collector();
      expect(reader.push(Buffer.concat([before, tooLong]), sink)).toBe('tooLarge');
      expect(sink.got).toEqual([frames[1]]);
    });

    it('is reported when its header arrives split at every position, before any payload', () => {
      for (let cut = 1; cut < FRAME_HEADER_SIZE; cut++) {
        const reader = new FrameReader(LIMIT);
        const sink = collector();
        expect(reader.push(Buffer.concat([before, tooLong.subarray(0, cut)]), sink), `cut ${cut}`).toBe('ok');
        expect(reader.push(tooLong.subarray(cut), sink), `cut ${cut}`).toBe('tooLarge');
        expect(sink.got).toEqual([frames[1]]);
      }
    });

    it('is reported for the largest length the header can say, byte by byte', () => {
      const huge = frameWithRoom(0, FrameType.HEADERS, 0, 1);
      huge.writeUIntBE(0xffffff, 0, 3);
      const reader = new FrameReader(LIMIT);
      const sink = collector();
      for (let i = 0; i < FRAME_HEADER_SIZE - 1; i++)
        expect(reader.push(huge.subarray(i, i + 1), sink)).toBe('ok');
      expect(reader.push(huge.subarray(FRAME_HEADER_SIZE - 1), sink)).toBe('tooLarge');
      expect(sink.got).toEqual([]);
    });

    it('is not reported at exactly the limit', () => {
      const reader = new FrameReader(LIMIT);
      const atLimit = encode({ type: FrameType.DATA, flags: 0, streamId: 1, payload: Buffer.alloc(LIMIT) });
      expect(reader.push(atLimit.subarray(0, 5), collector())).toBe('ok');
      expect(reader.push(atLimit.subarray(5), collector())).toBe('ok');
    });
  });

  describe('a sink that stops', () => {
    it('stops the reading at once, inside one chunk', () => {
      const reader = new FrameReader(LIMIT);
      const sink = collector(3);
      expect(reader.push(wire, sink)).toBe('stopped');
      expect(sink.got).toEqual(frames.slice(0, 3));
    });

    it('stops at once when the stopping frame completes a split one, at every split', () => {
      const ends: number[] = [];
      let at = 0;
      for (const frame of frames) {
        at += FRAME_HEADER_SIZE + frame.payload.length;
        ends.push(at);
      }
      // Frame 12 is the one at the limit; stop on it, with the stream cut at every byte of it.
      for (let cut = ends[11]! + 1; cut < ends[12]!; cut++) {
        const reader = new FrameReader(LIMIT);
        const sink = collector(13);
        expect(reader.push(wire.subarray(0, cut), sink)).toBe('ok');
        expect(reader.push(wire.subarray(cut), sink), `cut ${cut}`).toBe('stopped');
        expect(sink.got.length).toBe(13);
      }
    });
  });
});
