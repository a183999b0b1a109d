import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the benchmark, without types.
import { pools } from '../pool/pools.mjs';

type Adapter = () => Promise<{ run(name: string, data: number): Promise<number>; close(): Promise<unknown> }>;

// The pool benchmark compares adapters on the same two tasks; a wrong or missing answer would make the numbers
// compare unlike work.
describe('the pool benchmark adapters', () => {
  // Starting worker threads on a loaded 2-core machine can take seconds; the bound only stops a hang. A peer pool
  // that now and then never settles a task (poolifier does, seen here on Node 20 and 24) gets the retries the
  // benchmark runner gives it too: this test checks our adapters, not the peers' reliability.
  it.each(Object.keys(pools))(
    '%s runs both tasks and answers them right',
    { timeout: 20_000, retry: 2 },
    async (name) => {
      const pool = await (pools as Record<string, Adapter>)[name]!();
      try {
        expect(await Promise.all([pool.run('inc', 41), pool.run('fib', 20)])).toEqual([42, 6765]);
      } finally {
        await pool.close();
      }
    },
  );
});
