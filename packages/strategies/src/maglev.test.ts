import { type BackendId, ConfigError } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { assignments, backends, KEYS } from '../test/hashFixtures.js';
import { hashKey, secondaryHashKey } from './hash.js';
import { buildMaglevTable, defaultMaglevTableSize, isPrime, maglev, nextPrime } from './maglev.js';

/** Entry counts per member of a table built as the strategy builds it. */
function entryCounts(names: readonly string[], size: number, weights?: readonly number[]): number[] {
  const offsets = Uint32Array.from(names, (name) => hashKey(name) % size);
  const skips = Uint32Array.from(names, (name) => (secondaryHashKey(name) % (size - 1)) + 1);
  const table = buildMaglevTable(offsets, skips, Float64Array.from(weights ?? names.map(() => 1)), size);
  const counts = new Array<number>(names.length).fill(0);
  for (const k of table) counts[k]! += 1;
  return counts;
}

describe('primes and table size', () => {
  it('tells primes apart and finds the next one', () => {
    expect([2, 3, 5, 13, 65537, 655373, 10000019].every(isPrime)).toBe(true);
    expect([0, 1, 4, 9, 25, 65535, 65536, 1.5, -7].some(isPrime)).toBe(false);
    expect(nextPrime(65536)).toBe(65537);
    expect(nextPrime(24)).toBe(29);
  });

  it('uses 65537 for small sets and a prime above 100 · N for large ones', () => {
    expect(defaultMaglevTableSize(0)).toBe(65537);
    expect(defaultMaglevTableSize(3)).toBe(65537);
    expect(defaultMaglevTableSize(512)).toBe(65537);
    expect(defaultMaglevTableSize(513)).toBe(nextPrime(102401));
    for (const n of [513, 1000, 100_000]) {
      const size = defaultMaglevTableSize(n);
      expect(isPrime(size)).toBe(true);
      expect(size).toBeGreaterThan(100 * n);
      expect(size).toBeLessThan(200 * n + 1000);
    }
    expect(defaultMaglevTableSize(100_000)).toBe(defaultMaglevTableSize(131_072));
  });
});

describe('buildMaglevTable', () => {
  it.each([1, 3, 7, 100, 655])('gives each of %i equal backends ⌊M/N⌋ or ⌈M/N⌉ entries', (n) => {
    const size = defaultMaglevTableSize(n);
    const counts = entryCounts(
      Array.from({ length: n }, (_, i) => `backend-${i}`),
      size,
    );
    for (const count of counts) expect([Math.floor(size / n), Math.ceil(size / n)]).toContain(count);
  });

  it('gives weighted backends entries in proportion to weight, within 0.1 %', () => {
    const weights = [1, 2, 3, 0.5];
    const counts = entryCounts(['w0', 'w1', 'w2', 'w3'], 65537, weights);
    const total = weights.reduce((a, b) => a + b, 0);
    counts.forEach((count, k) => {
      expect(Math.abs(count - (65537 * weights[k]!) / total) / 65537).toBeLessThan(0.001);
    });
  });

  it('fills a tiny prime table', () => {
    expect(entryCounts(['a', 'b', 'c'], 13).sort()).toEqual([4, 4, 5]);
  });
});

describe('maglev', () => {
  it('sends the same key to the same backend, and spreads distinct keys over all backends', () => {
    const strategy = maglev();
    strategy.setBackends(backends(5));
    const first = assignments(strategy, 2000);
    expect(assignments(strategy, 2000)).toEqual(first);
    expect(new Set(first).size).toBe(5);
  });

  it.each([10, 50])('moves at most 2/N of the keys when one of %i backends leaves', (n) => {
    const strategy = maglev();
    strategy.setBackends(backends(n));
    const before = assignments(strategy);
    strategy.setBackends(backends(n).filter((b) => b.id !== 'b3'));
    const after = assignments(strategy);
    const moved = before.filter((id, i) => id !== after[i]).length;
    expect(moved / KEYS).toBeLessThanOrEqual(2 / n);
    // Every key of the removed backend had to move.
    expect(moved).toBeGreaterThanOrEqual(before.filter((id) => id === 'b3').length);
  });

  it('follows weights and setWeight; a weight of 0 takes no traffic', () => {
    const strategy = maglev();
    strategy.setBackends(backends(3, (i) => i + 1));
    const counts = new Map<BackendId | undefined, number>();
    for (const id of assignments(strategy)) counts.set(id, (counts.get(id) ?? 0) + 1);
    // 20k keys sampling shares of 1/6, 2/6, 3/6: the sampling error is under 0.4 %, so 2 % is a wide margin.
    for (let i = 0; i < 3; i++)
      expect(Math.abs(counts.get(`b${i}`)! / KEYS - (i + 1) / 6)).toBeLessThan(0.02);
    strategy.setWeight('b2', 0);
    expect(new Set(assignments(strategy, 2000))).toEqual(new Set(['b0', 'b1']));
  });

  it('moves few keys besides an unhealthy backend’s, and moves them back on recovery', () => {
    const strategy = maglev();
    strategy.setBackends(backends(10));
    const before = assignments(strategy);
    strategy.setHealth('b4', 'down');
    const during = assignments(strategy);
    expect(during).not.toContain('b4');
    const moved = before.filter((id, i) => id !== during[i]).length;
    expect(moved / KEYS).toBeLessThanOrEqual(2 / 10);
    strategy.setHealth('b4', 'draining');
    expect(assignments(strategy)).toEqual(during);
    strategy.setHealth('b4', 'up');
    expect(assignments(strategy)).toEqual(before);
  });

  it('keeps assignments when setBackends reorders slots without changing the eligible order', () => {
    const strategy = maglev();
    const list = backends(4);
    strategy.setBackends(list);
    strategy.setHealth('b0', 'down');
    const before = assignments(strategy, 2000);
    strategy.setBackends([...list, { id: 'extra', host: 'h', port: 1, weight: 0 }]);
    expect(assignments(strategy, 2000)).toEqual(before);
  });

  it('uses a given prime tableSize and the sticky key option', () => {
    const strategy = maglev({ tableSize: 13, key: { header: 'x-user' } });
    strategy.setBackends(backends(3));
    const picked = strategy.pick({ headers: { 'x-user': 'u1' } });
    expect(strategy.pick({ hashKey: 'u1' })).toBe(picked);
    expect(new Set(assignments(strategy, 300)).size).toBe(3);
  });

  it('rejects a tableSize that is not prime, and other bad options, with ConfigError', () => {
    for (const options of [
      { tableSize: 65536 },
      { tableSize: 1 },
      { tableSize: 536870923 },
      { key: 7 },
      { size: 5 },
    ]) {
      expect(() => maglev(options as never)).toThrow(ConfigError);
    }
    try {
      maglev({ tableSize: 100 });
    } catch (err) {
      expect((err as ConfigError).field).toBe('tableSize');
      expect((err as ConfigError).code).toBe('LB_ERR_INVALID_OPTION');
    }
  });
});
