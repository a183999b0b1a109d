import type { Backend } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { powerOfTwoChoices } from './powerOfTwoChoices.js';

const backend = (id: number, weight = 1): Backend => ({ id, host: '127.0.0.1', port: 9000 + id, weight });

describe('powerOfTwoChoices', () => {
  it('always takes the less loaded of two backends', () => {
    const strategy = powerOfTwoChoices({ seed: 11 });
    strategy.setBackends([backend(0), backend(1)]);
    strategy.onRequestStart(backend(0));
    for (let i = 0; i < 50; i++) expect(strategy.pick()?.id).toBe(1);
  });

  it('samples two distinct backends, so the most loaded of many is never picked', () => {
    const strategy = powerOfTwoChoices({ seed: 12 });
    strategy.setBackends([backend(0), backend(1), backend(2), backend(3)]);
    for (let i = 0; i < 5; i++) strategy.onRequestStart(backend(3));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[strategy.pick()!.id as number]!++;
    expect(counts[3]).toBe(0);
    expect(Math.min(counts[0]!, counts[1]!, counts[2]!)).toBeGreaterThan(800);
  });

  it('balances load better than chance: the busiest backend stays close to the average', () => {
    const strategy = powerOfTwoChoices({ seed: 13 });
    const n = 50;
    strategy.setBackends(Array.from({ length: n }, (_, i) => backend(i)));
    const load = new Array<number>(n).fill(0);
    for (let i = 0; i < 5000; i++) {
      const picked = strategy.pick()!;
      strategy.onRequestStart(picked);
      load[picked.id as number]!++;
    }
    // With one random choice the maximum would be about 100 + 3·√100 ≈ 130; two choices keep it within a few.
    expect(Math.max(...load)).toBeLessThanOrEqual(104);
  });

  it('samples in proportion to weight and compares load per weight', () => {
    const strategy = powerOfTwoChoices({ seed: 14 });
    strategy.setBackends([backend(0, 1), backend(1, 4)]);
    for (let i = 0; i < 3; i++) strategy.onRequestStart(backend(1));
    // 3 in flight over weight 4 is lighter than 1 over weight 1.
    strategy.onRequestStart(backend(0));
    expect(strategy.pick()?.id).toBe(1);
  });

  it('breaks ties at random, reaching both', () => {
    const strategy = powerOfTwoChoices({ seed: 15 });
    strategy.setBackends([backend(0), backend(1)]);
    const seen = new Set(Array.from({ length: 40 }, () => strategy.pick()?.id));
    expect(seen).toEqual(new Set([0, 1]));
  });
});
