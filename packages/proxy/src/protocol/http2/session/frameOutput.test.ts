import { describe, expect, it } from 'vitest';
import { FrameOutput } from './frameOutput.js';

/** Seeded pseudo-random numbers, so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

describe('FrameOutput', () => {
  it('hands over exactly the bytes written, in order, whatever mix of headers, blocks and payloads', () => {
    const next = random(7);
    const output = new FrameOutput();
    const expected: number[] = [];
    const taken: Buffer[] = [];
    for (let turn = 0; turn < 300; turn++) {
      const writes = 1 + Math.floor(next() * 20);
      for (let w = 0; w < writes; w++) {
        const kind = next();
        if (kind < 0.3) {
          output.frameHeader(1234, 1, 4, turn + 1);
          expected.push(0, 4, 210, 1, 4, 0, 0, (turn + 1) >> 8, (turn + 1) & 0xff);
        } else if (kind < 0.6) {
          // A field block written in place after reserving it, as the session does.
          const size = Math.floor(next() * 3000);
          const at = output.reserve(size);
          for (let i = 0; i < size; i++) output.target[at + i] = (turn + i) & 0xff;
          for (let i = 0; i < size; i++) expected.push((turn + i) & 0xff);
        } else {
          // Small payloads are copied, large ones kept as they are.
          const payload = Buffer.alloc(Math.floor(next() * 5000), turn & 0xff);
          output.append(payload);
          for (const b of payload) expected.push(b);
        }
      }
      const parts = output.take();
      expect(output.bytes).toBe(0);
      taken.push(...parts);
    }
    // Nothing handed over was written over afterwards: checked only now, after every later turn.
    const got = Buffer.concat(taken);
    expect(got.length).toBe(expected.length);
    expect(got.equals(Buffer.from(expected))).toBe(true);
  });

  it('keeps a large payload as the caller’s buffer and copies a small one', () => {
    const output = new FrameOutput();
    const large = Buffer.alloc(4096, 1);
    const small = Buffer.alloc(16, 2);
    output.append(small);
    output.append(large);
    const parts = output.take();
    expect(parts).toHaveLength(2);
    expect(parts[1]).toBe(large);
    expect(parts[0]).not.toBe(small);
    expect([...parts[0]!]).toEqual([...small]);
    small.fill(9);
    expect(parts[0]![0]).toBe(2);
  });

  it('counts the bytes gathered and starts empty after take()', () => {
    const output = new FrameOutput();
    expect(output.take()).toEqual([]);
    output.frameHeader(0, 4, 1, 0);
    output.append(Buffer.alloc(10));
    expect(output.bytes).toBe(19);
    expect(Buffer.concat(output.take())).toHaveLength(19);
    expect(output.bytes).toBe(0);
  });
});
