import { describe, expect, it } from 'vitest';
import { Histogram } from './histogram.js';

describe('Histogram', () => {
  it('reports zeros when empty', () => {
    expect(new Histogram().summary()).toEqual({ count: 0, mean: 0, p50: 0, p99: 0, max: 0 });
  });

  it('finds percentiles within a few percent', () => {
    const h = new Histogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10);
    const s = h.summary();
    expect(s.count).toBe(1000);
    expect(s.mean).toBeCloseTo(50.05, 5);
    expect(s.p50 / 50).toBeGreaterThan(0.97);
    expect(s.p50 / 50).toBeLessThan(1.03);
    expect(s.p99 / 99).toBeGreaterThan(0.97);
    expect(s.p99 / 99).toBeLessThan(1.03);
    expect(s.max).toBe(100);
  });

  it('never reports a percentile above the maximum', () => {
    const h = new Histogram();
    h.record(0);
    h.record(-1);
    h.record(7);
    expect(h.percentile(1)).toBe(7);
    expect(h.percentile(0.1)).toBeLessThanOrEqual(0.0011);
  });
});
