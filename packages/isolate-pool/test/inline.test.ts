import { describe, expect, it } from 'vitest';
import type { TaskContext } from '../src/index.js';
import { startPool, within } from './pools.js';

// In scope inside the threads, from `helpers` and `context`; declared so TypeScript knows them.
declare const sumOfSquares: (values: number[]) => number;
declare const offset: number;
declare const label: string;

// Declared here, not imported: a test runner rewrites imported names inside the handler's source.
function fibonacci(n: number): number {
  return n <= 1 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

describe('inline handlers', () => {
  it('runs the seed example: fibonacci(40) through a pool of 3', async () => {
    const processor = await startPool({ isolatePoolSize: 3 });
    const result = await processor.processWork<number>((data) => fibonacci(data as number), 40, {
      helpers: { fibonacci },
    });
    expect(result).toBe(102334155);
    expect(processor.stats()).toMatchObject({ threads: 3, completed: 1, failed: 0 });
  }, 60_000);

  it('gives the handler its helpers and context, as variables and as the second argument', async () => {
    const pool = await startPool();
    const square = (n: number) => n * n;
    const helpers = {
      square,
      // Method shorthand calling another helper by name.
      sumOfSquares(values: number[]) {
        return values.reduce((sum, v) => sum + square(v), 0);
      },
    };
    const context = { offset: 100, label: 'total' };
    const result = await pool.processWork(
      (values, ctx) => ({ [label]: sumOfSquares(values as number[]) + offset, same: ctx.offset === offset }),
      [1, 2, 3],
      { helpers, context },
    );
    expect(result).toEqual({ total: 114, same: true });
    // Keys that cannot be variable names are still on the second argument.
    const odd = await pool.processWork((_, ctx) => [ctx.class, ctx['not-a-name']], null, {
      context: { class: 'A', 'not-a-name': 'B' },
    });
    expect(odd).toEqual(['A', 'B']);
  });

  it('names a variable the handler reaches but was not given, and explains the rule', async () => {
    const pool = await startPool();
    const factor = 3;
    const error = await pool.processWork((n) => (n as number) * factor, 2).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'LbError', code: 'LB_ERR_HANDLER_SCOPE' });
    expect((error as Error).message).toContain("'factor'");
    expect((error as Error).message).toMatch(/another thread.*helpers.*context/s);
    expect((error as Error).cause).toBeInstanceOf(ReferenceError);
    await expect(pool.processWork((n) => (n as number) * factor, 2, { context: { factor } })).resolves.toBe(
      6,
    );
  });

  it('awaits async handlers, which can import built-in modules', async () => {
    const pool = await startPool();
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        pool.processWork(async (x) => {
          await new Promise((resolve) => setTimeout(resolve, 2));
          return (x as number) * 2;
        }, n),
      ),
    );
    expect(results).toEqual([2, 4, 6, 8]);
    // Built from text: the test runner would rewrite `import()` written in this file.
    const hashInThread = new Function(
      'return async (text) => (await import("node:crypto")).createHash("sha1").update(text).digest("hex");',
    )() as (text: unknown) => Promise<string>;
    const sha1 = await pool.processWork(hashInThread, 'abc');
    expect(sha1).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('compiles a closure written inline once, however many times it is submitted', async () => {
    const pool = await startPool({ isolatePoolSize: 1 });
    // The helper is a new function object each time the thread compiles the handler, so its property counts
    // the calls since the last compilation.
    function tick(): number {
      const self = tick as typeof tick & { calls?: number };
      self.calls = (self.calls ?? 0) + 1;
      return self.calls;
    }
    const results: Promise<number>[] = [];
    for (let i = 0; i < 500; i++) results.push(pool.processWork(() => tick(), i, { helpers: { tick } }));
    expect((await Promise.all(results)).at(-1)).toBe(500);
  });

  it('rejects handlers that have no source with LB_ERR_HANDLER_NOT_SERIALIZABLE', async () => {
    const pool = await startPool();
    await expect(pool.processWork(Math.max as never, 1)).rejects.toMatchObject({
      code: 'LB_ERR_HANDLER_NOT_SERIALIZABLE',
    });
    await expect(pool.processWork((x) => x, 1, { context: { fn: () => 1 } })).rejects.toMatchObject({
      code: 'LB_ERR_HANDLER_NOT_SERIALIZABLE',
    });
  });

  it('replaces a thread that has compiled more than maxCachedHandlers handlers, finishing its tasks first', async () => {
    const pool = await startPool({ isolatePoolSize: 1, maxCachedHandlers: 2 });
    type Marks = { __thread?: number };
    const threadId = (n: unknown, context: TaskContext): [number, number, number] => {
      (globalThis as Marks).__thread ??= Math.random();
      return [n as number, context.id as number, (globalThis as Marks).__thread as number];
    };
    const results = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((id) => pool.processWork(threadId, id * 10, { context: { id } })),
    );
    expect(results.map(([n, id]) => [n, id])).toEqual([0, 1, 2, 3, 4, 5].map((id) => [id * 10, id]));
    // Six distinct contexts, at most two per thread: the tasks ran on three threads.
    expect(new Set(results.map(([, , thread]) => thread)).size).toBe(3);
    await within(
      (async () => {
        while (pool.stats().threads !== 1) await new Promise((resolve) => setImmediate(resolve));
      })(),
      10_000,
      'the recycled threads’ exit',
    );
  });
});
