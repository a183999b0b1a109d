import { describe, expect, it } from 'vitest';
import { defaultPoolSize } from './defaultPoolSize.js';

describe('defaultPoolSize', () => {
  it('uses every CPU outside a cluster', () => {
    expect(defaultPoolSize({}, 8)).toBe(8);
  });

  it('shares the CPUs between cluster processes, at least one thread each', () => {
    expect(defaultPoolSize({ LB_PROCESS_COUNT: '4', LB_PROCESS_ID: '2' }, 16)).toBe(4);
    expect(defaultPoolSize({ LB_PROCESS_COUNT: '3' }, 8)).toBe(2);
    expect(defaultPoolSize({ LB_PROCESS_COUNT: '8' }, 2)).toBe(1);
  });

  it('ignores a malformed process count', () => {
    expect(defaultPoolSize({ LB_PROCESS_COUNT: 'lots' }, 6)).toBe(6);
    expect(defaultPoolSize({ LB_PROCESS_COUNT: '0' }, 6)).toBe(6);
  });

  it('reads the real environment and CPU count by default', () => {
    expect(defaultPoolSize()).toBeGreaterThanOrEqual(1);
  });
});
