import type { Backend, BackendHealth } from '@lb/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { weightedRoundRobin } from './weightedRoundRobin.js';

const backend = (id: number, weight: number): Backend => ({ id, host: '127.0.0.1', port: 8080, weight });

/** nginx's O(n) loop, the reference the fast version must match pick for pick. */
class NaiveSwrr {
  ids: number[] = [];
  weights: number[] = [];
  current: number[] = [];

  reset(ids: number[], weights: number[]): void {
    this.ids = ids;
    this.weights = weights;
    this.current = ids.map(() => 0);
  }

  pick(exclude: ReadonlySet<number>): number | undefined {
    const total = this.weights.reduce((a, b) => a + b, 0);
    const usable = this.ids.some((id) => !exclude.has(id));
    let best = -1;
    for (let i = 0; i < this.ids.length; i++) {
      this.current[i]! += this.weights[i]!;
      if (usable && exclude.has(this.ids[i]!)) continue;
      if (best < 0 || this.current[i]! > this.current[best]!) best = i;
    }
    if (best < 0) return undefined;
    this.current[best]! -= total;
    return this.ids[best];
  }
}

describe('weightedRoundRobin', () => {
  it('gives nginx smooth sequence a a b a c a a for weights 5, 1, 1', () => {
    const strategy = weightedRoundRobin();
    strategy.setBackends([
      { id: 'a', host: 'h', port: 1, weight: 5 },
      { id: 'b', host: 'h', port: 2, weight: 1 },
      { id: 'c', host: 'h', port: 3, weight: 1 },
    ]);
    const seq = Array.from({ length: 21 }, () => strategy.pick()?.id).join('');
    expect(seq).toBe('aabacaa'.repeat(3));
  });

  it('matches the naive O(n) reference under random weights, membership, health and exclusions', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('pick' as const), count: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ kind: fc.constant('exclude' as const), id: fc.integer({ min: 0, max: 11 }) }),
      fc.record({
        kind: fc.constant('set' as const),
        members: fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { maxLength: 12 }),
      }),
      fc.record({ kind: fc.constant('weight' as const), id: fc.integer({ min: 0, max: 11 }), w: fc.nat(20) }),
      fc.record({
        kind: fc.constant('health' as const),
        id: fc.integer({ min: 0, max: 11 }),
        h: fc.constantFrom<BackendHealth>('up', 'down', 'draining'),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 12, maxLength: 12 }),
        fc.array(op, { maxLength: 30 }),
        (configured, ops) => {
          const strategy = weightedRoundRobin();
          const naive = new NaiveSwrr();
          let members: number[] = [0, 1, 2, 3, 4, 5];
          const weight = new Map<number, number>();
          const health = new Map<number, BackendHealth>();
          const resync = () => {
            const ids = members.filter(
              (id) => (health.get(id) ?? 'up') === 'up' && (weight.get(id) ?? 0) > 0,
            );
            naive.reset(
              ids,
              ids.map((id) => weight.get(id)!),
            );
          };
          const setMembers = (next: number[]) => {
            for (const id of next) if (!members.includes(id)) health.delete(id);
            for (const id of next)
              if (!members.includes(id) || !weight.has(id)) weight.set(id, configured[id]!);
            members = next;
            strategy.setBackends(members.map((id) => backend(id, configured[id]!)));
            resync();
          };
          setMembers(members);
          for (const o of ops) {
            if (o.kind === 'pick') {
              for (let i = 0; i < o.count; i++) expect(strategy.pick()?.id).toBe(naive.pick(new Set()));
            } else if (o.kind === 'exclude') {
              const exclude = new Set([o.id]);
              expect(strategy.pick({ exclude })?.id).toBe(naive.pick(exclude));
            } else if (o.kind === 'set') {
              setMembers(o.members);
            } else if (members.includes(o.id)) {
              if (o.kind === 'weight') {
                strategy.setWeight(o.id, o.w);
                if (weight.get(o.id) !== o.w) {
                  weight.set(o.id, o.w);
                  resync();
                }
              } else {
                strategy.setHealth(o.id, o.h);
                if ((health.get(o.id) ?? 'up') !== o.h) {
                  health.set(o.id, o.h);
                  resync();
                }
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches the reference with many distinct weights over long runs', () => {
    const n = 300;
    const weights = Array.from({ length: n }, (_, i) => 1 + ((i * 7919) % 97));
    const strategy = weightedRoundRobin();
    strategy.setBackends(weights.map((w, i) => backend(i, w)));
    const naive = new NaiveSwrr();
    naive.reset(
      weights.map((_, i) => i),
      weights,
    );
    const empty = new Set<number>();
    for (let i = 0; i < 30_000; i++) {
      const expected = naive.pick(empty);
      const got = strategy.pick()?.id;
      if (got !== expected) expect({ step: i, got }).toEqual({ step: i, got: expected });
    }
  });

  it('stays exact across the periodic clock rebase (past 2^20 picks)', () => {
    const weights = [7, 3, 2];
    const strategy = weightedRoundRobin();
    strategy.setBackends(weights.map((w, i) => backend(i, w)));
    const naive = new NaiveSwrr();
    naive.reset([0, 1, 2], weights);
    const empty = new Set<number>();
    let mismatches = 0;
    for (let i = 0; i < (1 << 20) + 5000; i++) if (strategy.pick()?.id !== naive.pick(empty)) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('keeps weight proportions within 1% over 100k picks', () => {
    const weights = [1, 2, 3, 5, 8, 13, 21];
    const strategy = weightedRoundRobin();
    strategy.setBackends(weights.map((w, i) => backend(i, w)));
    const counts = new Array<number>(weights.length).fill(0);
    for (let i = 0; i < 100_000; i++) counts[strategy.pick()!.id as number]!++;
    const total = weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, i) => {
      expect(Math.abs(counts[i]! / 100_000 - w / total)).toBeLessThan(0.01 * (w / total));
    });
  });

  it('serves each backend exactly its weight per cycle at 100,000 backends', () => {
    const n = 100_000;
    const strategy = weightedRoundRobin();
    strategy.setBackends(Array.from({ length: n }, (_, i) => backend(i, i < 10 ? 1000 : 1)));
    const cycle = 10 * 1000 + (n - 10);
    const counts = new Map<number, number>();
    for (let i = 0; i < cycle; i++) {
      const id = strategy.pick()!.id as number;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.size).toBe(n);
    for (let i = 0; i < 10; i++) expect(counts.get(i)).toBe(1000);
    expect(counts.get(n - 1)).toBe(1);
  });
});
