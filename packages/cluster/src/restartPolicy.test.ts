import { describe, expect, it } from 'vitest';
import { RestartPolicy } from './restartPolicy.js';

const fixed = (value: number) => () => value;

describe('RestartPolicy', () => {
  it('restarts a first crash at once, then doubles restartDelay with jitter between half and all', () => {
    const low = new RestartPolicy({ restartDelay: 100, random: fixed(0) });
    const high = new RestartPolicy({ restartDelay: 100, random: fixed(0.999999) });
    expect([1, 2, 3, 4].map(() => low.onExit(5))).toEqual([
      { action: 'restart', delay: 0, attempt: 1 },
      { action: 'restart', delay: 50, attempt: 2 },
      { action: 'restart', delay: 100, attempt: 3 },
      { action: 'restart', delay: 200, attempt: 4 },
    ]);
    expect(
      [1, 2, 3, 4].map(() => high.onExit(5)).map((d) => (d.action === 'restart' ? d.delay : -1)),
    ).toEqual([0, 100, 200, 400]);
  });

  it('caps the delay at maxRestartDelay', () => {
    const policy = new RestartPolicy({
      restartDelay: 100,
      maxRestartDelay: 300,
      maxRestarts: 20,
      random: fixed(1),
    });
    const delays = Array.from({ length: 8 }, () => policy.onExit(0)).map((d) =>
      d.action === 'restart' ? d.delay : -1,
    );
    expect(Math.max(...delays)).toBe(300);
    expect(delays.slice(-3)).toEqual([300, 300, 300]);
  });

  it('gives up after maxRestarts crashes in a row', () => {
    const policy = new RestartPolicy({ maxRestarts: 2 });
    expect(policy.onExit(0).action).toBe('restart');
    expect(policy.onExit(0).action).toBe('restart');
    expect(policy.onExit(0)).toEqual({ action: 'giveUp', attempts: 2 });
  });

  it('never restarts with maxRestarts 0', () => {
    expect(new RestartPolicy({ maxRestarts: 0 }).onExit(0)).toEqual({ action: 'giveUp', attempts: 0 });
  });

  it('starts a fresh count after a stable uptime', () => {
    const policy = new RestartPolicy({ maxRestarts: 2, stableUptime: 1000, random: fixed(0) });
    policy.onExit(10);
    policy.onExit(10);
    expect(policy.consecutiveCrashes).toBe(2);
    expect(policy.onExit(1000)).toEqual({ action: 'restart', delay: 0, attempt: 1 });
  });

  it('reset() forgets the streak', () => {
    const policy = new RestartPolicy({ maxRestarts: 1 });
    policy.onExit(0);
    policy.reset();
    expect(policy.onExit(0).action).toBe('restart');
  });
});
