import type { Backend, BackendId, Strategy } from '@lb/core';
import type { Random } from './rng.js';

/**
 * The cheapest strategy that keeps per-backend state the way a real one must: a uniform random pick in O(1),
 * and an in-flight counter found through a `Map` by id on every start and end. It has no algorithm to speak of,
 * so whatever its cost gains from 10 to 100,000 backends is the memory hierarchy (cache and TLB misses on
 * bigger tables), the floor any strategy's growth is measured against.
 */
export function memoryBaseline(random: Random): Strategy {
  let backends: readonly Backend[] = [];
  let slotById = new Map<BackendId, number>();
  let inFlight = new Float64Array(0);
  const slot = (backend: Backend): number => slotById.get(backend.id) ?? -1;
  return {
    name: 'memoryBaseline',
    setBackends(list) {
      backends = list;
      slotById = new Map(list.map((b, i) => [b.id, i]));
      inFlight = new Float64Array(list.length);
    },
    pick: () => backends[Math.floor(random() * backends.length)],
    onRequestStart(backend) {
      const s = slot(backend);
      if (s >= 0) inFlight[s]!++;
    },
    onRequestEnd(backend) {
      const s = slot(backend);
      if (s >= 0 && inFlight[s]! > 0) inFlight[s]!--;
    },
    setHealth() {},
    setWeight() {},
  };
}
