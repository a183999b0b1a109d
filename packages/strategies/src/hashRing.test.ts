import { describe, expect, it } from 'vitest';
import { buildRing, ringIndex } from './hashRing.js';

describe('buildRing and ringIndex', () => {
  it('sorts the points and finds the first one clockwise, wrapping around', () => {
    const ring = buildRing(Int32Array.of(4, 7), Uint32Array.of(11, 22), Uint32Array.of(50, 30));
    expect(ring.hashes.length).toBe(80);
    for (let i = 1; i < ring.hashes.length; i++)
      expect(ring.hashes[i]!).toBeGreaterThanOrEqual(ring.hashes[i - 1]!);
    expect(ring.slots.filter((s) => s === 4).length).toBe(50);
    expect(ring.slots.filter((s) => s === 7).length).toBe(30);
    expect(ringIndex(ring.hashes, 0)).toBe(0);
    expect(ringIndex(ring.hashes, ring.hashes[5]!)).toBe(5);
    expect(ringIndex(ring.hashes, ring.hashes[5]! + 1)).toBe(6);
    expect(ringIndex(ring.hashes, ring.hashes[79]! + 1)).toBe(0);
  });
});
