import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WeightedSampler } from './weightedSampler.js';

/** Where r lands when the removed positions are cut out of [0, total): the exact inverse CDF. */
function reference(weights: number[], removed: Set<number>, r: number): number {
  const kept = weights.map((w, i) => (removed.has(i) ? 0 : w));
  let u = r * kept.reduce((a, b) => a + b, 0);
  for (let i = 0; i < kept.length; i++) {
    if (kept[i]! > 0 && u < kept[i]!) return i;
    u -= kept[i]!;
  }
  return kept.findLastIndex((w) => w > 0);
}

describe('WeightedSampler', () => {
  it('maps r to the same position as the exact inverse CDF, with exclusions (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 12 }),
        fc.uniqueArray(fc.nat(11), { maxLength: 4 }),
        fc.integer({ min: -1, max: 11 }),
        fc.integer({ min: 0, max: 999 }),
        fc.boolean(),
        (drawn, excludedRaw, extraRaw, rInt, uniform) => {
          const weights = uniform ? drawn.map(() => 3) : drawn;
          const n = weights.length;
          const excluded = excludedRaw.filter((i) => i < n).sort((a, b) => a - b);
          const extra = extraRaw < n ? extraRaw : -1;
          const removed = new Set(excluded);
          if (extra >= 0) removed.add(extra);
          if (removed.size >= n) return;
          const r = (rInt + 0.5) / 1000;
          const sampler = new WeightedSampler();
          sampler.reset(Float64Array.from(weights));
          expect(sampler.uniform).toBe(weights.every((w) => w === weights[0]));
          expect(sampler.sample(r, excluded, extra)).toBe(reference(weights, removed, r));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
