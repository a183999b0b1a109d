import type { Backend, BackendId, Strategy } from '@lb/core';

/** `n` backends `b0`…; `weight` sets each one's weight when given. */
export function backends(n: number, weight?: (i: number) => number): Backend[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `b${i}`,
    host: '127.0.0.1',
    port: 9000 + i,
    ...(weight ? { weight: weight(i) } : {}),
  }));
}

/** How many distinct keys the distribution tests place. */
export const KEYS = 20_000;

/** Where `keys` distinct hash keys (`user-0`, `user-1`, …) are sent now. */
export function assignments(strategy: Strategy, keys = KEYS): (BackendId | undefined)[] {
  return Array.from({ length: keys }, (_, i) => strategy.pick({ hashKey: `user-${i}` })?.id);
}
