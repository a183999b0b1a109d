import type { Backend } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { random } from './random.js';

const backend = (id: number, weight?: number): Backend => ({
  id,
  host: '127.0.0.1',
  port: 9000 + id,
  weight,
});

/** Chi-square critical values at p = 0.001, by degrees of freedom. */
const chiSquare999: Record<number, number> = { 9: 27.877, 19: 43.82 };

describe('random', () => {
  it('is uniform by a chi-square test at p = 0.001 when weights are equal', () => {
    const n = 20;
    const picks = 100_000;
    const strategy = random({ seed: 2024 });
    strategy.setBackends(Array.from({ length: n }, (_, i) => backend(i)));
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < picks; i++) counts[strategy.pick()!.id as number]!++;
    const expected = picks / n;
    const statistic = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(statistic).toBeLessThan(chiSquare999[n - 1]!);
  });

  it('follows weights within 1% over 100k picks and passes chi-square against them', () => {
    const weights = [1, 2, 3, 4, 5, 6, 7, 8, 9, 55];
    const picks = 100_000;
    const strategy = random({ seed: 99 });
    strategy.setBackends(weights.map((w, i) => backend(i, w)));
    const counts = new Array<number>(weights.length).fill(0);
    for (let i = 0; i < picks; i++) counts[strategy.pick()!.id as number]!++;
    const total = weights.reduce((a, b) => a + b, 0);
    let statistic = 0;
    weights.forEach((w, i) => {
      const share = w / total;
      expect(Math.abs(counts[i]! / picks - share)).toBeLessThan(0.01);
      statistic += (counts[i]! - picks * share) ** 2 / (picks * share);
    });
    expect(statistic).toBeLessThan(chiSquare999[weights.length - 1]!);
  });

  it('repeats with the same seed', () => {
    const run = () => {
      const strategy = random({ seed: 5 });
      strategy.setBackends([backend(0), backend(1), backend(2, 4)]);
      return Array.from({ length: 50 }, () => strategy.pick()?.id);
    };
    expect(run()).toEqual(run());
  });

  it('spreads excluded weight over the rest in proportion', () => {
    const strategy = random({ seed: 3 });
    strategy.setBackends([backend(0, 1), backend(1, 50), backend(2, 3)]);
    const counts = [0, 0, 0];
    const exclude = new Set([1]);
    for (let i = 0; i < 40_000; i++) counts[strategy.pick({ exclude })!.id as number]!++;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / 40_000).toBeGreaterThan(0.73);
    expect(counts[2]! / 40_000).toBeLessThan(0.77);
  });
});
