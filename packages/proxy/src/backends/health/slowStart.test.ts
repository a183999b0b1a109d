import { describe, expect, it } from 'vitest';
import { SlowStartRamp, slowStartFactor } from './slowStart.js';

const linear = { window: 10_000, minWeightPercent: 0.1, aggression: 1 };

describe('slowStartFactor', () => {
  it('ramps linearly with aggression 1, never below the minimum, and is 1 after the window', () => {
    expect(slowStartFactor(0, linear)).toBe(0.1);
    expect(slowStartFactor(500, linear)).toBe(0.1);
    expect(slowStartFactor(2_500, linear)).toBeCloseTo(0.25);
    expect(slowStartFactor(5_000, linear)).toBeCloseTo(0.5);
    expect(slowStartFactor(9_999, linear)).toBeCloseTo(0.9999);
    expect(slowStartFactor(10_000, linear)).toBe(1);
    expect(slowStartFactor(1e9, linear)).toBe(1);
  });

  it('grows faster early with a higher aggression, following Envoy (t/window)^(1/aggression)', () => {
    const aggressive = { ...linear, aggression: 2 };
    expect(slowStartFactor(2_500, aggressive)).toBeCloseTo(0.5);
    expect(slowStartFactor(2_500, aggressive)).toBeGreaterThan(slowStartFactor(2_500, linear));
  });

  it('counts elapsed time below 1 ms as 1 ms so a zero minimum still gives some weight', () => {
    expect(slowStartFactor(0, { ...linear, minWeightPercent: 0 })).toBeCloseTo(1e-4);
  });

  it('is monotonic over the window', () => {
    let previous = 0;
    for (let t = 0; t <= 10_000; t += 250) {
      const f = slowStartFactor(t, { ...linear, aggression: 1.5 });
      expect(f).toBeGreaterThanOrEqual(previous);
      previous = f;
    }
    expect(previous).toBe(1);
  });

  it('is always 1 with a zero window', () => {
    expect(slowStartFactor(0, { ...linear, window: 0 })).toBe(1);
  });
});

describe('SlowStartRamp', () => {
  it('reports each ramping backend until its window ends, then once at 1 and forgets it', () => {
    let now = 1_000;
    const ramp = new SlowStartRamp(linear, () => now);
    ramp.begin('a');
    now += 5_000;
    ramp.begin('b');
    expect(ramp.tick()).toEqual([
      { id: 'a', factor: 0.5 },
      { id: 'b', factor: 0.1 },
    ]);
    now += 5_000;
    expect(ramp.tick()).toEqual([
      { id: 'a', factor: 1 },
      { id: 'b', factor: 0.5 },
    ]);
    expect(ramp.has('a')).toBe(false);
    expect(ramp.size).toBe(1);
    expect(ramp.factor('a')).toBe(1);
    ramp.end('b');
    expect(ramp.tick()).toEqual([]);
  });

  it('restarts the ramp when a backend recovers again', () => {
    let now = 0;
    const ramp = new SlowStartRamp(linear, () => now);
    ramp.begin(1);
    now = 8_000;
    expect(ramp.factor(1)).toBeCloseTo(0.8);
    ramp.begin(1);
    expect(ramp.factor(1)).toBe(0.1);
  });
});
