import { describe, expect, it } from 'vitest';
import { mulberry32, resolveRandom } from './rng.js';

describe('rng', () => {
  it('repeats the same sequence for the same seed and stays in [0, 1)', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const c = mulberry32(124);
    const seqA = Array.from({ length: 1000 }, a);
    expect(Array.from({ length: 1000 }, b)).toEqual(seqA);
    expect(Array.from({ length: 1000 }, c)).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('prefers an explicit random source over a seed', () => {
    const source = () => 0.25;
    expect(resolveRandom({ random: source, seed: 1 })).toBe(source);
    expect(resolveRandom({ seed: 5 })()).toBe(mulberry32(5)());
  });
});
