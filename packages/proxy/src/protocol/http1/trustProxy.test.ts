import { describe, expect, it } from 'vitest';
import { compileTrustProxy } from './trustProxy.js';

describe('compileTrustProxy with an address list', () => {
  it('answers the same for an address asked again, including malformed ones and mapped IPv4', () => {
    const trust = compileTrustProxy(['10.0.0.0/8', '::1']);
    for (let round = 0; round < 3; round++) {
      expect(trust('10.1.2.3', 0)).toBe(true);
      expect(trust('::ffff:10.1.2.3', 0)).toBe(true);
      expect(trust('::1', 0)).toBe(true);
      expect(trust('11.1.2.3', 0)).toBe(false);
      expect(trust('not an address', 0)).toBe(false);
      expect(trust('', 0)).toBe(false);
    }
  });

  it('stays right past the bound of remembered addresses (a flood of distinct peers)', () => {
    const trust = compileTrustProxy(['10.0.0.0/16']);
    for (let i = 0; i < 5000; i++) {
      const inside = `10.0.${(i >> 8) & 255}.${i & 255}`;
      const outside = `10.1.${(i >> 8) & 255}.${i & 255}`;
      expect(trust(inside, 0)).toBe(true);
      expect(trust(outside, 0)).toBe(false);
    }
    expect(trust('10.0.0.1', 0)).toBe(true);
    expect(trust('10.1.0.1', 0)).toBe(false);
  });

  it('refuses long strings every time without remembering them', () => {
    const trust = compileTrustProxy(['10.0.0.0/8']);
    const long = `10.0.0.1${' '.repeat(100)}`;
    for (let round = 0; round < 3; round++) expect(trust(long, 0)).toBe(false);
    expect(trust('10.0.0.1', 0)).toBe(true);
  });
});
