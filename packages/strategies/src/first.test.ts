import type { Backend, BackendId } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { compareBackendIds, first } from './first.js';

const backend = (id: BackendId, maxConnections?: number): Backend => ({
  id,
  host: '127.0.0.1',
  port: 9000,
  maxConnections,
});

describe('first', () => {
  it('fills backends in id order up to their maxConnections', () => {
    const strategy = first();
    strategy.setBackends([backend(3, 1), backend(1, 2), backend(2, 2)]);
    const order: BackendId[] = [];
    for (let i = 0; i < 5; i++) {
      const picked = strategy.pick()!;
      strategy.onRequestStart(picked);
      order.push(picked.id);
    }
    expect(order).toEqual([1, 1, 2, 2, 3]);
    strategy.onRequestEnd(backend(1), { ok: true, latencyMs: 1 });
    expect(strategy.pick()?.id).toBe(1);
  });

  it('goes to the fewest in flight per maxConnections when all are full', () => {
    const strategy = first();
    strategy.setBackends([backend(1, 2), backend(2, 4)]);
    const order: BackendId[] = [];
    for (let i = 0; i < 9; i++) {
      const picked = strategy.pick()!;
      strategy.onRequestStart(picked);
      order.push(picked.id);
    }
    // Full at 2/2 and 4/4; then 1 (ratio 1 ≤ 1, first in id order), 2 (1.5 > 1.25), 2, 1 …
    expect(order).toEqual([1, 1, 2, 2, 2, 2, 1, 2, 2]);
  });

  it('orders numeric ids numerically, then string ids by code unit', () => {
    expect([10, 'b', 2, 'B', 'a10', 'a9'].sort(compareBackendIds)).toEqual([2, 10, 'B', 'a10', 'a9', 'b']);
    const strategy = first();
    strategy.setBackends([backend('b', 1), backend(10, 1), backend(2, 1)]);
    const order = Array.from({ length: 3 }, () => {
      const picked = strategy.pick()!;
      strategy.onRequestStart(picked);
      return picked.id;
    });
    expect(order).toEqual([2, 10, 'b']);
  });

  it('skips excluded backends and refills after membership changes', () => {
    const strategy = first();
    strategy.setBackends([backend(1, 5), backend(2, 5), backend(3, 5)]);
    expect(strategy.pick({ exclude: new Set([1]) })?.id).toBe(2);
    strategy.onRequestStart(backend(1));
    strategy.setBackends([backend(2, 5), backend(1, 1), backend(0, 1)]);
    expect(strategy.pick()?.id).toBe(0);
    strategy.onRequestStart(backend(0));
    expect(strategy.pick()?.id).toBe(2);
  });

  it('never fills a backend without maxConnections', () => {
    const strategy = first();
    strategy.setBackends([backend(2), backend(1)]);
    for (let i = 0; i < 20; i++) strategy.onRequestStart(strategy.pick()!);
    expect(strategy.pick()?.id).toBe(1);
  });
});
