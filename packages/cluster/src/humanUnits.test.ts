import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from './humanUnits.js';

describe('formatDuration', () => {
  it('picks the unit an operator reads at a glance', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(420)).toBe('420 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(250_000)).toBe('4 min 10 s');
    expect(formatDuration(3 * 3_600_000 + 2 * 60_000)).toBe('3 h 2 min');
  });
});

describe('formatBytes', () => {
  it('uses MB of 1024², as --max-memory does, and GB above 1024 MB', () => {
    expect(formatBytes(512 * 1024 ** 2)).toBe('512 MB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GB');
  });
});
