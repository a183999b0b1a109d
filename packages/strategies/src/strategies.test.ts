import type { Backend, BackendHealth, BackendId, Strategy } from '@lb/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { first } from './first.js';
import { leastConnections } from './leastConnections.js';
import { maglev } from './maglev.js';
import { peakEwma } from './peakEwma.js';
import { powerOfTwoChoices } from './powerOfTwoChoices.js';
import { random } from './random.js';
import { ringHash } from './ringHash.js';
import { roundRobin } from './roundRobin.js';
import { weightedRoundRobin } from './weightedRoundRobin.js';

interface Options {
  panicThreshold?: number;
}

const factories: Record<string, (options: Options) => Strategy> = {
  roundRobin: (o) => roundRobin(o),
  weightedRoundRobin: (o) => weightedRoundRobin(o),
  leastConnections: (o) => leastConnections(o),
  random: (o) => random({ ...o, seed: 7 }),
  powerOfTwoChoices: (o) => powerOfTwoChoices({ ...o, seed: 7 }),
  peakEwma: (o) => {
    let t = 0;
    return peakEwma({ ...o, seed: 7, now: () => (t += 1) });
  },
  first: (o) => first(o),
  ringHash: (o) => ringHash({ ...o, minRingSize: 64 }),
  'ringHash bounded': (o) => ringHash({ ...o, minRingSize: 64, hashBalanceFactor: 1.1 }),
  // A small prime keeps each rebuild cheap; the fill algorithm does not depend on the size.
  maglev: (o) => maglev({ ...o, tableSize: 1009 }),
};

const backend = (id: BackendId, extra: Partial<Backend> = {}): Backend => ({
  id,
  host: '127.0.0.1',
  port: 8000 + Number(String(id).replace(/\D/g, '') || 0),
  ...extra,
});

describe.each(Object.keys(factories))('%s (shared contract)', (name) => {
  const make = factories[name]!;

  it('returns undefined with no backends and when none is eligible, without throwing', () => {
    const strategy = make({});
    expect(strategy.name).toBe(name.split(' ')[0]);
    expect(strategy.pick()).toBeUndefined();
    strategy.setBackends([backend('a'), backend('b'), backend('c', { weight: 0 })]);
    strategy.setHealth('a', 'down');
    strategy.setHealth('b', 'draining');
    expect(strategy.pick()).toBeUndefined();
    expect(strategy.pick({ exclude: new Set(['a']) })).toBeUndefined();
  });

  it('never picks down or draining backends', () => {
    const strategy = make({});
    strategy.setBackends([backend('a'), backend('b'), backend('c'), backend('d')]);
    strategy.setHealth('a', 'down');
    strategy.setHealth('c', 'draining');
    const seen = new Set<BackendId>();
    for (let i = 0; i < 200; i++) {
      const picked = strategy.pick()!;
      seen.add(picked.id);
      strategy.onRequestStart(picked);
      if (i % 3 === 0) strategy.onRequestEnd(picked, { ok: true, latencyMs: 5 });
    }
    expect([...seen].every((id) => id === 'b' || id === 'd')).toBe(true);
  });

  it('uses down backends in panic mode but never draining ones', () => {
    const strategy = make({ panicThreshold: 0.5 });
    strategy.setBackends([backend('a'), backend('b'), backend('c'), backend('d')]);
    strategy.setHealth('a', 'down');
    strategy.setHealth('b', 'down');
    const calm = new Set(Array.from({ length: 50 }, () => strategy.pick()!.id));
    expect([...calm].every((id) => id === 'c' || id === 'd')).toBe(true);
    strategy.setHealth('c', 'draining');
    const panic = new Set<BackendId>();
    for (let i = 0; i < 300; i++) {
      const picked = strategy.pick()!;
      panic.add(picked.id);
      strategy.onRequestStart(picked);
    }
    expect(panic.has('c')).toBe(false);
    expect(panic.has('a') || panic.has('b')).toBe(true);
  });

  it('skips excluded backends unless nothing else is eligible', () => {
    const strategy = make({});
    strategy.setBackends([backend('a'), backend('b'), backend('c')]);
    for (let i = 0; i < 30; i++) {
      expect(strategy.pick({ exclude: new Set(['a', 'b']) })?.id).toBe('c');
      expect(strategy.pick({ exclude: new Set(['c']) })?.id).not.toBe('c');
    }
    strategy.setHealth('b', 'down');
    strategy.setHealth('c', 'down');
    expect(strategy.pick({ exclude: new Set(['a']) })?.id).toBe('a');
  });

  it('tolerates removal between pick and request end, and shrinking lists', () => {
    const strategy = make({});
    strategy.setBackends([backend('a'), backend('b'), backend('c'), backend('d')]);
    const picked = [strategy.pick()!, strategy.pick()!, strategy.pick()!];
    for (const p of picked) strategy.onRequestStart(p);
    strategy.setBackends([backend('a')]);
    for (const p of picked) strategy.onRequestEnd(p, { ok: false, latencyMs: 1 });
    strategy.setHealth('zz', 'down');
    strategy.setWeight('zz', 3);
    for (let i = 0; i < 5; i++) expect(strategy.pick()?.id).toBe('a');
    strategy.setBackends([]);
    expect(strategy.pick()).toBeUndefined();
  });

  it('only ever picks an eligible member, through random changes (property)', () => {
    const ids = [0, 1, 2, 3, 4, 5, 6, 7];
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        members: fc.uniqueArray(fc.constantFrom(...ids), { maxLength: 8 }),
        weights: fc.array(fc.nat(4), { minLength: 8, maxLength: 8 }),
        caps: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 8, maxLength: 8 }),
      }),
      fc.record({
        kind: fc.constant('health' as const),
        id: fc.constantFrom(...ids),
        health: fc.constantFrom<BackendHealth>('up', 'down', 'draining'),
      }),
      fc.record({ kind: fc.constant('weight' as const), id: fc.constantFrom(...ids), weight: fc.nat(4) }),
      fc.record({
        kind: fc.constant('pick' as const),
        exclude: fc.uniqueArray(fc.constantFrom(...ids), { maxLength: 3 }),
        key: fc.option(fc.string({ maxLength: 6 }), { nil: undefined }),
        start: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('end' as const),
        index: fc.nat(),
        ok: fc.boolean(),
        latency: fc.nat(50),
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(0, 0.5), fc.array(op, { maxLength: 60 }), (panicThreshold, ops) => {
        const strategy = make({ panicThreshold });
        let members: number[] = [];
        const weight = new Map<number, number>();
        const configured = new Map<number, number>();
        const health = new Map<number, BackendHealth>();
        const started: Backend[] = [];
        const eligible = (): number[] => {
          const up = members.filter((id) => health.get(id) === 'up').length;
          const panic = members.length > 0 && up / members.length < panicThreshold;
          return members.filter((id) => {
            const h = health.get(id);
            return weight.get(id)! > 0 && (h === 'up' || (panic && h === 'down'));
          });
        };
        for (const o of ops) {
          if (o.kind === 'set') {
            for (const id of o.members) {
              // A changed configured weight replaces a setWeight override; an unchanged one keeps it.
              if (!members.includes(id) || configured.get(id) !== o.weights[id])
                weight.set(id, o.weights[id]!);
              configured.set(id, o.weights[id]!);
              if (!members.includes(id)) health.set(id, 'up');
            }
            members = o.members;
            strategy.setBackends(
              members.map((id) => backend(id, { weight: o.weights[id]!, maxConnections: o.caps[id]! })),
            );
          } else if (o.kind === 'health') {
            strategy.setHealth(o.id, o.health);
            if (members.includes(o.id)) health.set(o.id, o.health);
          } else if (o.kind === 'weight') {
            strategy.setWeight(o.id, o.weight);
            if (members.includes(o.id)) weight.set(o.id, o.weight);
          } else if (o.kind === 'pick') {
            const allowed = eligible();
            const picked = strategy.pick({ exclude: new Set(o.exclude), hashKey: o.key });
            if (allowed.length === 0) {
              expect(picked).toBeUndefined();
              continue;
            }
            expect(picked).toBeDefined();
            expect(allowed).toContain(picked!.id);
            if (allowed.some((id) => !o.exclude.includes(id))) expect(o.exclude).not.toContain(picked!.id);
            if (o.start) {
              strategy.onRequestStart(picked!);
              started.push(picked!);
            }
          } else if (started.length > 0) {
            const [ended] = started.splice(o.index % started.length, 1);
            strategy.onRequestEnd(ended!, { ok: o.ok, latencyMs: o.latency });
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
