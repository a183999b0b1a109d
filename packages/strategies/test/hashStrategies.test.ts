import type { BackendHealth, BackendId, Strategy } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { maglev } from '../src/maglev.js';
import { ringHash } from '../src/ringHash.js';
import { backends } from './hashFixtures.js';

// What both consistent-hash strategies promise beyond the shared strategy contract.
describe.each<[string, () => Strategy]>([
  ['ringHash', () => ringHash()],
  ['maglev', () => maglev()],
])('%s', (_name, create) => {
  it('honours exclude unless nothing else is eligible', () => {
    const strategy = create();
    strategy.setBackends(backends(3));
    for (let i = 0; i < 200; i++) {
      const usual = strategy.pick({ hashKey: `k${i}` })!;
      const other = strategy.pick({ hashKey: `k${i}`, exclude: new Set([usual.id]) });
      expect(other).toBeDefined();
      expect(other!.id).not.toBe(usual.id);
    }
    expect(strategy.pick({ hashKey: 'k', exclude: new Set(['b0', 'b1', 'b2']) })).toBeDefined();
  });

  it.each<BackendHealth>(['down', 'draining'])(
    'returns undefined with no backends or none eligible (the last one %s), and never throws',
    (lastHealth) => {
      const strategy = create();
      expect(strategy.pick({ hashKey: 'k' })).toBeUndefined();
      strategy.setBackends(backends(2));
      strategy.setHealth('b0', 'down');
      strategy.setHealth('b1', lastHealth);
      expect(strategy.pick({ hashKey: 'k' })).toBeUndefined();
      strategy.setHealth('b1', 'up');
      expect(strategy.pick({ hashKey: 'k' })?.id).toBe('b1');
      strategy.setBackends([]);
      expect(strategy.pick()).toBeUndefined();
    },
  );

  it('spreads keyless requests over every backend', () => {
    const strategy = create();
    strategy.setBackends(backends(4));
    const counts = new Map<BackendId | undefined, number>();
    for (let i = 0; i < 4000; i++) {
      const id = strategy.pick()?.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (let i = 0; i < 4; i++) expect(counts.get(`b${i}`)!).toBeGreaterThan(600);
  });
});
