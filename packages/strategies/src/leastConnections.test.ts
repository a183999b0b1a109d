import type { Backend } from '@lb/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leastConnections } from './leastConnections.js';

const backend = (id: number, weight = 1): Backend => ({ id, host: '127.0.0.1', port: 9000 + id, weight });

describe('leastConnections', () => {
  it('never picks a backend with more in flight per weight than another eligible one (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('pick' as const), start: fc.boolean() }),
      fc.record({ kind: fc.constant('end' as const), index: fc.nat() }),
      fc.record({
        kind: fc.constant('weight' as const),
        id: fc.nat(5),
        weight: fc.integer({ min: 1, max: 4 }),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 6, maxLength: 6 }),
        fc.array(op, { maxLength: 80 }),
        (weights, ops) => {
          const strategy = leastConnections();
          const list = weights.map((w, id) => backend(id, w));
          strategy.setBackends(list);
          const weight = [...weights];
          const inFlight = new Array<number>(6).fill(0);
          const open: Backend[] = [];
          for (const o of ops) {
            if (o.kind === 'pick') {
              const picked = strategy.pick()!;
              const load = (id: number) => inFlight[id]! / weight[id]!;
              const min = Math.min(...inFlight.map((_, id) => load(id)));
              expect(load(picked.id as number)).toBe(min);
              if (o.start) {
                strategy.onRequestStart(picked);
                inFlight[picked.id as number]!++;
                open.push(picked);
              }
            } else if (o.kind === 'end') {
              if (open.length === 0) continue;
              const [done] = open.splice(o.index % open.length, 1);
              strategy.onRequestEnd(done!, { ok: true, latencyMs: 1 });
              inFlight[done!.id as number]!--;
            } else {
              strategy.setWeight(o.id, o.weight);
              weight[o.id] = o.weight;
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rotates among tied backends instead of favouring the first in the list', () => {
    const strategy = leastConnections();
    strategy.setBackends([backend(0), backend(1), backend(2)]);
    expect(Array.from({ length: 6 }, () => strategy.pick()?.id)).toEqual([0, 1, 2, 0, 1, 2]);
    const busy = strategy.pick()!;
    strategy.onRequestStart(busy);
    expect(busy.id).toBe(0);
    expect(Array.from({ length: 4 }, () => strategy.pick()?.id)).toEqual([1, 2, 1, 2]);
  });

  it('weighs in-flight counts by weight', () => {
    const strategy = leastConnections();
    strategy.setBackends([backend(0, 1), backend(1, 3)]);
    const counts = [0, 0];
    for (let i = 0; i < 8; i++) {
      const picked = strategy.pick()!;
      strategy.onRequestStart(picked);
      counts[picked.id as number]!++;
    }
    expect(counts).toEqual([2, 6]);
  });

  it('keeps in-flight counts across membership changes', () => {
    const strategy = leastConnections();
    strategy.setBackends([backend(0), backend(1)]);
    const a = strategy.pick()!;
    strategy.onRequestStart(a);
    strategy.onRequestStart(a);
    strategy.setBackends([backend(2), backend(1), backend(0)]);
    const next = [strategy.pick()!, strategy.pick()!].map((b) => b.id);
    expect(next).not.toContain(0);
  });

  it('handles 100,000 backends with a skewed load', () => {
    const n = 100_000;
    const strategy = leastConnections();
    strategy.setBackends(Array.from({ length: n }, (_, i) => backend(i)));
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const picked = strategy.pick()!;
      strategy.onRequestStart(picked);
      seen.add(picked.id as number);
    }
    expect(seen.size).toBe(n);
    strategy.onRequestEnd(backend(77_777), { ok: true, latencyMs: 1 });
    expect(strategy.pick()?.id).toBe(77_777);
  });
});
