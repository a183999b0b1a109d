import { describe, expect, it } from 'vitest';
import { retryDelay, ttlRefreshDelay } from './refreshDelay.js';

describe('ttlRefreshDelay', () => {
  it('follows the TTL, shortened by up to a fifth', () => {
    expect(ttlRefreshDelay(10, 0)).toBe(10_000);
    expect(ttlRefreshDelay(10, 0.5)).toBe(9_000);
    expect(ttlRefreshDelay(10, 0.999_999)).toBeGreaterThanOrEqual(8_000);
  });

  it('clamps the TTL to [1 s, 30 s]', () => {
    expect(ttlRefreshDelay(0, 0)).toBe(1_000);
    expect(ttlRefreshDelay(86_400, 0)).toBe(30_000);
  });
});

describe('retryDelay', () => {
  it('doubles from 1 s up to 30 s, between half and all of it', () => {
    expect(retryDelay(1, 1)).toBe(1_000);
    expect(retryDelay(1, 0)).toBe(500);
    expect(retryDelay(3, 1)).toBe(4_000);
    expect(retryDelay(50, 1)).toBe(30_000);
  });
});
