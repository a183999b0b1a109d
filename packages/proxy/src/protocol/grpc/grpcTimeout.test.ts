import { describe, expect, it } from 'vitest';
import { formatGrpcTimeout, parseGrpcTimeout } from './grpcTimeout.js';

describe('grpc-timeout', () => {
  it('reads every unit as milliseconds', () => {
    expect(parseGrpcTimeout('2H')).toBe(7_200_000);
    expect(parseGrpcTimeout('3M')).toBe(180_000);
    expect(parseGrpcTimeout('5S')).toBe(5000);
    expect(parseGrpcTimeout('250m')).toBe(250);
    expect(parseGrpcTimeout('1500u')).toBe(1.5);
    expect(parseGrpcTimeout('2000000n')).toBe(2);
    expect(parseGrpcTimeout('99999999S')).toBe(99_999_999_000);
    expect(parseGrpcTimeout('0m')).toBe(0);
  });

  it('ignores values outside the syntax: no digits, 9 digits, unknown or lower-case units, signs, spaces', () => {
    for (const bad of [
      undefined,
      '',
      'S',
      '100',
      '123456789S',
      '10s',
      '10h',
      '10x',
      '-1S',
      '+1S',
      ' 1S',
      '1S ',
      '1.5S',
      '1SS',
      '１S',
    ]) {
      expect(parseGrpcTimeout(bad)).toBeUndefined();
    }
  });

  it('writes the finest unit that fits in 8 digits, rounding up, and reads back at least the deadline', () => {
    expect(formatGrpcTimeout(0)).toBe('0n');
    expect(formatGrpcTimeout(1)).toBe('1000000n');
    expect(formatGrpcTimeout(1.5)).toBe('1500000n');
    expect(formatGrpcTimeout(100)).toBe('100000u');
    expect(formatGrpcTimeout(5000)).toBe('5000000u');
    expect(formatGrpcTimeout(100_000)).toBe('100000m');
    expect(formatGrpcTimeout(100_000_000)).toBe('100000S');
    expect(formatGrpcTimeout(-5)).toBe('0n');
    expect(formatGrpcTimeout(Number.NaN)).toBe('0n');
    expect(formatGrpcTimeout(Number.POSITIVE_INFINITY)).toBe('99999999H');
    for (const ms of [0.000001, 0.3, 7, 99.999, 12_345.678, 3_600_000, 1e12, 3.5e14]) {
      const text = formatGrpcTimeout(ms);
      expect(text).toMatch(/^[0-9]{1,8}[HMSmun]$/);
      expect(parseGrpcTimeout(text)!).toBeGreaterThanOrEqual(ms * (1 - 1e-12));
    }
  });
});
