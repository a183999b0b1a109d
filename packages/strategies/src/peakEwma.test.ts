import type { Backend } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { peakEwma } from './peakEwma.js';

const backend = (id: number, weight = 1): Backend => ({ id, host: '127.0.0.1', port: 9000 + id, weight });

function setup(options: Parameters<typeof peakEwma>[0] = {}) {
  const clock = { t: 0 };
  const strategy = peakEwma({ seed: 21, now: () => clock.t, ...options });
  strategy.setBackends([backend(0), backend(1)]);
  const sample = (id: number, latencyMs: number, ok = true) => {
    strategy.onRequestStart(backend(id));
    strategy.onRequestEnd(backend(id), { ok, latencyMs });
  };
  const tally = (picks = 100) => {
    const counts = [0, 0];
    for (let i = 0; i < picks; i++) counts[strategy.pick()!.id as number]!++;
    return counts;
  };
  return { clock, strategy, sample, tally };
}

describe('peakEwma', () => {
  it('prefers the backend with the lower latency', () => {
    const { sample, tally } = setup();
    sample(0, 50);
    sample(1, 5);
    expect(tally()).toEqual([0, 100]);
  });

  it('jumps to a higher sample at once but moves toward a lower one gradually', () => {
    const { clock, sample, tally } = setup({ decayTime: 1000 });
    sample(0, 10);
    sample(1, 12);
    expect(tally()).toEqual([100, 0]);
    sample(0, 100);
    expect(tally()).toEqual([0, 100]);
    clock.t = 100;
    sample(1, 12);
    // One fast sample 100 ms later moves 0's estimate only ≈10% of the way down: still ≈91 ms.
    sample(0, 1);
    expect(tally()).toEqual([0, 100]);
    // After several decay times of fast samples it is preferred again.
    for (let t = 200; t <= 6000; t += 200) {
      clock.t = t;
      sample(0, 1);
      sample(1, 12);
    }
    expect(tally()).toEqual([100, 0]);
  });

  it('multiplies the estimate by in-flight requests plus one', () => {
    const { strategy, sample, tally } = setup();
    sample(0, 10);
    sample(1, 25);
    for (let i = 0; i < 3; i++) strategy.onRequestStart(backend(0));
    // 10 × 4 = 40 beats 25 × 1 = 25 the other way round.
    expect(tally()).toEqual([0, 100]);
  });

  it('penalises failures so a backend failing fast does not look fast', () => {
    const { sample, tally } = setup({ failurePenalty: 500 });
    sample(0, 20);
    sample(1, 20);
    sample(1, 0.1, false);
    expect(tally()).toEqual([100, 0]);
  });

  it('lets an idle slow backend fade back into use', () => {
    const { clock, sample, tally } = setup({ decayTime: 1000 });
    sample(0, 200);
    sample(1, 20);
    expect(tally()).toEqual([0, 100]);
    clock.t = 1000;
    sample(1, 20);
    clock.t = 5000;
    // 200·e^-5 ≈ 1.3 ms for 0 against 20·e^-4 ≈ 0.37 ms for 1: still 1.
    expect(tally()).toEqual([0, 100]);
    clock.t = 8000;
    // 200·e^-8 ≈ 0.07 ms against 20·e^-7 ≈ 0.018: still 1; a fresh sample on 1 flips it.
    sample(1, 20);
    expect(tally()).toEqual([100, 0]);
  });

  it('uses the default round-trip time for unseen backends', () => {
    const { sample, tally } = setup({ defaultRtt: 30 });
    sample(0, 40);
    expect(tally()).toEqual([0, 100]);
    sample(1, 45);
    expect(tally()).toEqual([100, 0]);
  });
});
