import { describe, expect, it } from 'vitest';
import { defaultLatencyBuckets, Histogram } from './histogram.js';

describe('Histogram', () => {
  it('counts each value in the first bucket whose bound is at or above it', () => {
    const h = new Histogram([0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 1, 3]) h.observe(v);
    expect([...h.counts]).toEqual([2, 2, 1]);
    expect(h.count).toBe(5);
    expect(h.sum).toBeCloseTo(4.65);
  });

  it('estimates quantiles by interpolating inside the bucket, like histogram_quantile', () => {
    const h = new Histogram([1, 2, 4]);
    for (let i = 0; i < 50; i++) h.observe(0.5);
    for (let i = 0; i < 50; i++) h.observe(1.5);
    expect(h.quantile(0.5)).toBeCloseTo(1);
    expect(h.quantile(0.75)).toBeCloseTo(1.5);
    expect(h.quantile(0.25)).toBeCloseTo(0.5);
    expect(h.quantile(1)).toBeCloseTo(2);
    h.observe(100);
    expect(h.quantile(1)).toBe(4);
  });

  it('is NaN without observations and rejects unsorted bounds', () => {
    expect(new Histogram().quantile(0.5)).toBeNaN();
    expect(() => new Histogram([1, 1])).toThrow(expect.objectContaining({ code: 'LB_ERR_INVALID_OPTION' }));
  });

  it('keeps a p99 within the bucket that holds it for the default latency buckets', () => {
    const h = new Histogram();
    for (let i = 0; i < 1000; i++) h.observe(i < 990 ? 0.003 : 0.7);
    expect(h.quantile(0.5)).toBeGreaterThan(0.0025);
    expect(h.quantile(0.5)).toBeLessThanOrEqual(0.005);
    expect(h.quantile(0.995)).toBeGreaterThan(0.5);
    expect(h.quantile(0.995)).toBeLessThanOrEqual(1);
    expect(defaultLatencyBuckets[0]).toBe(0.001);
    expect(defaultLatencyBuckets.at(-1)).toBe(10);
  });

  it('merges histograms with the same bounds', () => {
    const a = new Histogram([1]);
    const b = new Histogram([1]);
    a.observe(0.5);
    b.observe(2);
    a.merge(b);
    expect([...a.counts]).toEqual([1, 1]);
    expect(a.count).toBe(2);
    expect(() => a.merge(new Histogram([1, 2]))).toThrow(
      expect.objectContaining({ code: 'LB_ERR_INVALID_OPTION' }),
    );
  });
});
