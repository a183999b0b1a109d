import { describe, expect, it } from 'vitest';
import { HybridProcessor } from '../src/index.js';
import { startPool } from './pools.js';

describe('errors across the thread boundary', () => {
  it('keeps class name, message, code, cause and the worker stack', async () => {
    const pool = await startPool();
    const error = await pool
      .processWork(() => {
        class ValidationError extends Error {
          code = 'E_VALIDATION';
          field = 'email';
        }
        const cause = Object.assign(new RangeError('too long'), { code: 'E_LENGTH' });
        function validateInThread(): never {
          throw Object.assign(new ValidationError('bad email', { cause }), { name: 'ValidationError' });
        }
        validateInThread();
      }, null)
      .catch((e: unknown) => e as Error & { code?: string; field?: string });
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe('bad email');
    expect(error.code).toBe('E_VALIDATION');
    expect(error.field).toBe('email');
    expect(error.stack).toContain('validateInThread');
    expect(error.cause).toBeInstanceOf(RangeError);
    expect(error.cause).toMatchObject({ message: 'too long', code: 'E_LENGTH' });
  });

  it('keeps built-in classes so instanceof works', async () => {
    const pool = await startPool();
    const error = await pool
      .processWork(() => {
        throw Object.assign(new TypeError('not a number'), { code: 'ERR_INVALID_ARG_TYPE' });
      }, null)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(pool.stats()).toMatchObject({ completed: 0, failed: 1 });
  });

  it('rejects only the tasks of a thread that crashes mid-task, replaces it and carries on', async () => {
    const pool = await startPool({ isolatePoolSize: 2 });
    const gate = new SharedArrayBuffer(4);
    const other = pool.processWork((buffer) => {
      Atomics.wait(new Int32Array(buffer as SharedArrayBuffer), 0, 0, 10_000);
      return 'other thread finished';
    }, gate);
    while (pool.stats().running < 1) await new Promise((resolve) => setImmediate(resolve));
    const crash = pool.processWork(() => process.exit(7), null);
    await expect(crash).rejects.toMatchObject({ code: 'LB_ERR_WORKER_CRASHED' });
    await expect(crash).rejects.toThrow(/code 7/);
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    await expect(other).resolves.toBe('other thread finished');
    await expect(pool.processWork((x) => (x as number) * 2, 21)).resolves.toBe(42);
    expect(pool.stats().threads).toBe(2);
  });

  it('rejects a task whose data cannot be cloned at once, and runs the tasks sent with it', async () => {
    const pool = await startPool({ isolatePoolSize: 1 });
    const batch = [
      pool.processWork((x) => x, 'before'),
      pool.processWork(
        (x) => x,
        () => 1,
      ),
      pool.processWork((x) => x, 'after'),
    ];
    const [before, unclonable, after] = await Promise.allSettled(batch);
    expect(unclonable).toMatchObject({
      status: 'rejected',
      reason: { code: 'LB_ERR_NOT_CLONEABLE', cause: { name: 'DataCloneError' } },
    });
    expect([before, after]).toEqual([
      { status: 'fulfilled', value: 'before' },
      { status: 'fulfilled', value: 'after' },
    ]);
    expect(pool.stats()).toMatchObject({ queued: 0, running: 0, failed: 1 });
  });

  it('rejects a task whose result cannot be cloned, and delivers the results sent with it', async () => {
    const pool = await startPool({ isolatePoolSize: 1 });
    const batch = [
      pool.processWork((x) => x, 'before'),
      pool.processWork(() => () => 1, null),
      pool.processWork((x) => x, 'after'),
    ];
    const [before, unclonable, after] = await Promise.allSettled(batch);
    expect(unclonable).toMatchObject({
      status: 'rejected',
      reason: { code: 'LB_ERR_NOT_CLONEABLE', cause: { name: 'DataCloneError' } },
    });
    expect((unclonable as PromiseRejectedResult).reason.message).toMatch(/result cannot be copied back/);
    expect([before, after]).toEqual([
      { status: 'fulfilled', value: 'before' },
      { status: 'fulfilled', value: 'after' },
    ]);
    await expect(pool.processWork((x) => x, 'still serving')).resolves.toBe('still serving');
  });

  it('treats running out of memory as a crash of that thread only', async () => {
    const pool = await startPool({
      isolatePoolSize: 1,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    });
    const hog = pool.processWork(() => {
      const keep: number[][] = [];
      for (;;) keep.push(new Array(100_000).fill(1));
    }, null);
    await expect(hog).rejects.toMatchObject({ code: 'LB_ERR_WORKER_CRASHED' });
    await expect(pool.processWork((x) => x, 'alive')).resolves.toBe('alive');
  }, 60_000);

  it('fails initialize() when threads cannot start, instead of respawning forever', async () => {
    const pool = new HybridProcessor({ isolatePoolSize: 2, execArgv: ['--require', '/no/such/preload.cjs'] });
    await expect(pool.initialize()).rejects.toMatchObject({ code: 'LB_ERR_POOL_INIT_FAILED' });
    expect(pool.stats().threads).toBe(0);
    await expect(pool.processWork((x) => x, 1)).rejects.toMatchObject({ code: 'LB_ERR_POOL_CLOSED' });
  });
});
