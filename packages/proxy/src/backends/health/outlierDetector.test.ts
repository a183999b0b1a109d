import { resolveOutlierDetectionOptions } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { OutlierDetector } from './outlierDetector.js';

function setup(options: Parameters<typeof resolveOutlierDetectionOptions>[0], ids = ['a', 'b', 'c', 'd']) {
  const clock = { now: 1_000_000 };
  const detector = new OutlierDetector(resolveOutlierDetectionOptions(options), () => clock.now);
  detector.setBackends(ids);
  return { clock, detector };
}

function failTimes(detector: OutlierDetector, id: string, times: number) {
  let last: ReturnType<OutlierDetector['recordFailure']>;
  for (let i = 0; i < times; i++) last = detector.recordFailure(id);
  return last;
}

describe('OutlierDetector', () => {
  it('ejects after the configured consecutive failures, and a success resets the count', () => {
    const { detector, clock } = setup({ consecutiveFailures: 3, baseEjectionTime: 1000 });
    expect(failTimes(detector, 'a', 2)).toBeUndefined();
    detector.recordSuccess('a');
    expect(failTimes(detector, 'a', 2)).toBeUndefined();
    expect(detector.recordFailure('a')).toEqual({
      action: 'eject',
      id: 'a',
      ejections: 1,
      until: clock.now + 1000,
    });
    expect(detector.isEjected('a')).toBe(true);
    expect(detector.ejected).toBe(1);
    expect(detector.recordFailure('a')).toBeUndefined();
  });

  it('brings a backend back after its ejection time, not before', () => {
    const { detector, clock } = setup({ consecutiveFailures: 1, baseEjectionTime: 1000 });
    detector.recordFailure('a');
    expect(detector.nextRecoveryAt()).toBe(clock.now + 1000);
    clock.now += 999;
    expect(detector.recoverDue()).toEqual([]);
    clock.now += 1;
    expect(detector.recoverDue()).toEqual([{ action: 'recover', id: 'a', ejections: 1, until: clock.now }]);
    expect(detector.isEjected('a')).toBe(false);
    expect(detector.nextRecoveryAt()).toBeUndefined();
  });

  it('grows the ejection time with each ejection up to the cap, then decays it while healthy', () => {
    const { detector, clock } = setup({
      consecutiveFailures: 1,
      baseEjectionTime: 1000,
      maxEjectionTime: 2500,
    });
    const durations: number[] = [];
    for (let i = 0; i < 4; i++) {
      const decision = detector.recordFailure('a')!;
      durations.push(decision.until - clock.now);
      clock.now = decision.until;
      detector.recoverDue();
    }
    expect(durations).toEqual([1000, 2000, 2500, 2500]);
    clock.now += 2 * 1000;
    const afterDecay = detector.recordFailure('a')!;
    expect(afterDecay.ejections).toBe(3);
    expect(afterDecay.until - clock.now).toBe(2500);
    clock.now = afterDecay.until;
    detector.recoverDue();
    clock.now += 100 * 1000;
    expect(detector.recordFailure('a')!.ejections).toBe(1);
  });

  it('ejects at most maxEjectionPercent of backends, but always at least one', () => {
    const { detector } = setup({ consecutiveFailures: 1, maxEjectionPercent: 0.5 });
    expect(detector.recordFailure('a')?.action).toBe('eject');
    expect(detector.recordFailure('b')?.action).toBe('eject');
    expect(detector.recordFailure('c')).toBeUndefined();
    expect(detector.ejected).toBe(2);

    const lone = setup({ consecutiveFailures: 1, maxEjectionPercent: 0 }, ['x', 'y']).detector;
    expect(lone.recordFailure('x')?.action).toBe('eject');
    expect(lone.recordFailure('y')).toBeUndefined();
  });

  it('ejects a backend held back by the cap on its next failure once there is room', () => {
    const { detector, clock } = setup({
      consecutiveFailures: 2,
      maxEjectionPercent: 0.25,
      baseEjectionTime: 10,
    });
    expect(failTimes(detector, 'a', 2)?.action).toBe('eject');
    expect(failTimes(detector, 'b', 2)).toBeUndefined();
    clock.now += 10;
    expect(detector.recoverDue().map((d) => d.id)).toEqual(['a']);
    expect(detector.recordFailure('b')?.action).toBe('eject');
  });

  it('frees the ejection slot and forgets state when a backend is removed', () => {
    const { detector } = setup({ consecutiveFailures: 1, maxEjectionPercent: 0.25 });
    detector.recordFailure('a');
    expect(detector.recordFailure('b')).toBeUndefined();
    detector.setBackends(['b', 'c', 'd', 'e']);
    expect(detector.ejected).toBe(0);
    expect(detector.isEjected('a')).toBe(false);
    expect(detector.recordFailure('b')?.action).toBe('eject');
    expect(detector.recordFailure('zzz')).toBeUndefined();
  });

  it('record() routes outcomes', () => {
    const { detector } = setup({ consecutiveFailures: 2 });
    expect(detector.record('a', false)).toBeUndefined();
    expect(detector.record('a', true)).toBeUndefined();
    expect(detector.record('a', false)).toBeUndefined();
    expect(detector.record('a', false)?.action).toBe('eject');
  });
});
