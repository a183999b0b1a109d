import { type BackendId, ConfigError } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { assignments, backends, KEYS } from '../test/hashFixtures.js';
import { ringHash } from './ringHash.js';

function shares(ids: readonly (BackendId | undefined)[]): Map<BackendId | undefined, number> {
  const counts = new Map<BackendId | undefined, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

describe('ringHash', () => {
  it('sends the same key to the same backend, and spreads distinct keys over all backends', () => {
    const strategy = ringHash();
    strategy.setBackends(backends(5));
    const first = assignments(strategy, 2000);
    expect(assignments(strategy, 2000)).toEqual(first);
    expect(new Set(first).size).toBe(5);
  });

  it('moves only the removed backend’s keys when one of 10 leaves, at most 1.5/N of them', () => {
    const strategy = ringHash();
    strategy.setBackends(backends(10));
    const before = assignments(strategy);
    strategy.setBackends(backends(10).filter((b) => b.id !== 'b3'));
    const after = assignments(strategy);
    let moved = 0;
    for (let i = 0; i < KEYS; i++) {
      if (before[i] === after[i]) continue;
      moved++;
      expect(before[i]).toBe('b3');
    }
    // The expected share is 1/N; with 160 points per backend its spread is ~8 %, so 1.5/N is over 6 sigma.
    expect(moved / KEYS).toBeLessThanOrEqual(1.5 / 10);
    expect(moved).toBe(before.filter((id) => id === 'b3').length);
  });

  it('moves about 1/N of the keys with a small set whose ring is scaled to the minimum size', () => {
    const strategy = ringHash();
    strategy.setBackends(backends(4));
    const before = assignments(strategy);
    strategy.setBackends(backends(4).filter((b) => b.id !== 'b0'));
    const after = assignments(strategy);
    const moved = before.filter((id, i) => id !== after[i]).length;
    expect(moved / KEYS).toBeLessThanOrEqual(1.5 / 4);
  });

  it('gives each backend a key share proportional to its weight, within 20 %', () => {
    const strategy = ringHash();
    strategy.setBackends(backends(4, (i) => i + 1));
    const counts = shares(assignments(strategy));
    for (let i = 0; i < 4; i++) {
      const expected = (KEYS * (i + 1)) / 10;
      // Each weight unit has 160 points, so a share's relative spread is ≤ 8 %: 20 % is 2.5 sigma at weight 1,
      // and the hashes are fixed, so the result does not vary between runs.
      expect(Math.abs(counts.get(`b${i}`)! - expected) / expected).toBeLessThan(0.2);
    }
  });

  it('follows setWeight, and a weight of 0 takes no traffic', () => {
    const strategy = ringHash();
    strategy.setBackends(backends(3));
    strategy.setWeight('b0', 3);
    let counts = shares(assignments(strategy));
    expect(counts.get('b0')! / KEYS).toBeGreaterThan(0.5);
    strategy.setWeight('b0', 0);
    counts = shares(assignments(strategy));
    expect(counts.has('b0')).toBe(false);
    expect(counts.get('b1')! + counts.get('b2')!).toBe(KEYS);
  });

  it('walks past down and draining backends without moving other keys, and returns when they recover', () => {
    const strategy = ringHash();
    strategy.setBackends(backends(6));
    const before = assignments(strategy);
    strategy.setHealth('b1', 'down');
    strategy.setHealth('b2', 'draining');
    const during = assignments(strategy);
    for (let i = 0; i < KEYS; i++) {
      if (before[i] === 'b1' || before[i] === 'b2') expect(['b1', 'b2']).not.toContain(during[i]);
      else expect(during[i]).toBe(before[i]);
    }
    strategy.setHealth('b1', 'up');
    strategy.setHealth('b2', 'up');
    expect(assignments(strategy)).toEqual(before);
  });

  it('keeps key placement when most backends are down and the ring shrinks to the eligible ones', () => {
    const strategy = ringHash();
    strategy.setBackends(backends(10));
    const before = assignments(strategy, 5000);
    for (let i = 0; i < 8; i++) strategy.setHealth(`b${i}`, 'down');
    const during = assignments(strategy, 5000);
    for (let i = 0; i < 5000; i++) {
      if (before[i] === 'b8' || before[i] === 'b9') expect(during[i]).toBe(before[i]);
      else expect(['b8', 'b9']).toContain(during[i]);
    }
    for (let i = 0; i < 8; i++) strategy.setHealth(`b${i}`, 'up');
    expect(assignments(strategy, 5000)).toEqual(before);
  });

  it('uses down backends again in panic mode', () => {
    const strategy = ringHash({ panicThreshold: 0.5 });
    strategy.setBackends(backends(4));
    for (const id of ['b0', 'b1', 'b2']) strategy.setHealth(id, 'down');
    expect(new Set(assignments(strategy, 500)).size).toBe(4);
  });

  it('hashes the sticky key option, with hashKey taking precedence', () => {
    const strategy = ringHash({ key: { cookie: 'sid' } });
    strategy.setBackends(backends(8));
    const bySid = strategy.pick({ headers: { cookie: 'a=1; sid=u-17' } });
    expect(strategy.pick({ hashKey: 'u-17' })).toBe(bySid);
    expect(strategy.pick({ headers: { cookie: 'sid=u-17' }, clientAddress: '10.1.1.1' })).toBe(bySid);
  });

  it('keeps every backend on a ring capped by maxRingSize', () => {
    const strategy = ringHash({ maxRingSize: 4096 });
    strategy.setBackends(backends(3000));
    expect(new Set(assignments(strategy, 20_000)).size).toBeGreaterThan(2500);
  });

  it('never loads a backend past its bounded-load cap', () => {
    const factor = 1.25;
    const strategy = ringHash({ hashBalanceFactor: factor });
    const list = backends(8, (i) => (i < 4 ? 1 : 2));
    strategy.setBackends(list);
    const inFlight = new Map<BackendId, number>(list.map((b) => [b.id, 0]));
    let total = 0;
    for (let i = 0; i < 2000; i++) {
      // A hot key: without the bound every request would land on one backend.
      const backend = strategy.pick({ hashKey: i % 3 === 0 ? `cold-${i}` : 'hot' })!;
      const cap = Math.ceil((factor * (total + 1) * (backend.weight ?? 1)) / 12);
      expect(inFlight.get(backend.id)! + 1).toBeLessThanOrEqual(cap);
      strategy.onRequestStart(backend);
      inFlight.set(backend.id, inFlight.get(backend.id)! + 1);
      total++;
      if (i % 5 === 4) {
        const done = list[i % 8]!;
        if (inFlight.get(done.id)! > 0) {
          strategy.onRequestEnd(done, { ok: true, latencyMs: 1 });
          inFlight.set(done.id, inFlight.get(done.id)! - 1);
          total--;
        }
      }
    }
  });

  it('rejects bad options with ConfigError', () => {
    for (const options of [
      { virtualNodesPerWeight: 0 },
      { minRingSize: 2048, maxRingSize: 1024 },
      { hashBalanceFactor: 0.9 },
      { key: 'ip' },
      { panicThreshold: 2 },
      { virtualNodes: 10 },
    ]) {
      expect(() => ringHash(options as never)).toThrow(ConfigError);
    }
  });
});
