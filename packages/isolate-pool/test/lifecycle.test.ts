import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HybridProcessor } from '../src/index.js';
import { startPool, within } from './pools.js';

const run = promisify(execFile);
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('lifecycle', () => {
  it('needs initialize() first and validates its options', async () => {
    const pool = new HybridProcessor({ isolatePoolSize: 1 });
    await expect(pool.processWork((x) => x, 1)).rejects.toMatchObject({ code: 'LB_ERR_NOT_STARTED' });
    await pool.close();
    expect(() => new HybridProcessor({ isolatePoolSize: 0 })).toThrow(
      expect.objectContaining({ code: 'LB_ERR_INVALID_OPTION', field: 'isolatePoolSize' }),
    );
    expect(() => new HybridProcessor({ minThreads: 3, maxThreads: 2 })).toThrow(/must not exceed/);
    expect(() => new HybridProcessor({ isolatePoolsize: 2 } as never)).toThrow(
      /Did you mean 'isolatePoolSize'/,
    );
    expect(() => new HybridProcessor({ maxTasksPerThread: 5000 })).toThrow(/maxTasksPerThread/);
  });

  it('in a cluster worker process, defaults to the CPUs left per process', async () => {
    const saved = process.env.LB_PROCESS_COUNT;
    process.env.LB_PROCESS_COUNT = '1000';
    try {
      const pool = await startPool({ isolatePoolSize: undefined });
      expect(pool.stats().threads).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.LB_PROCESS_COUNT;
      else process.env.LB_PROCESS_COUNT = saved;
    }
  });

  it('close() finishes queued and running tasks, then refuses new ones', async () => {
    const pool = new HybridProcessor({ isolatePoolSize: 1 });
    await pool.initialize();
    const tasks = [1, 2, 3, 4, 5].map((n) =>
      pool.processWork(async (x) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return (x as number) * 10;
      }, n),
    );
    await pool.close();
    await expect(Promise.all(tasks)).resolves.toEqual([10, 20, 30, 40, 50]);
    expect(pool.stats().threads).toBe(0);
    await expect(pool.processWork((x) => x, 1)).rejects.toMatchObject({ code: 'LB_ERR_POOL_CLOSED' });
  });

  it('close() refuses new work from the moment it is called and still finishes what it accepted', async () => {
    const pool = new HybridProcessor({ isolatePoolSize: 1 });
    await pool.initialize();
    const accepted = pool.processWork((x) => (x as number) + 1, 1);
    const closed = pool.close();
    const late = pool.processWork((x) => x, 'late');
    await expect(late).rejects.toMatchObject({ code: 'LB_ERR_POOL_CLOSED' });
    await expect(accepted).resolves.toBe(2);
    await closed;
    expect(pool.close()).toBe(closed);
  });

  it('close({ force: true }) aborts what is pending, like destroy()', async () => {
    const pool = new HybridProcessor({ isolatePoolSize: 1 });
    await pool.initialize();
    const pending = expect(pool.processWork(() => new Promise(() => {}), null)).rejects.toMatchObject({
      code: 'LB_ERR_POOL_CLOSED',
    });
    await pool.close({ force: true });
    await pending;
    expect(pool.stats().threads).toBe(0);
  });

  it('destroy() ends the threads now and rejects what was pending', async () => {
    const pool = new HybridProcessor({ isolatePoolSize: 1 });
    await pool.initialize();
    const pending = [
      pool.processWork(() => new Promise(() => {}), null),
      ...[1, 2, 3].map((n) => pool.processWork((x) => x, n)),
    ];
    const outcomes = Promise.allSettled(pending);
    await pool.destroy();
    for (const outcome of await outcomes) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'LB_ERR_POOL_CLOSED' } });
    }
    expect(pool.stats().threads).toBe(0);
  });

  it('destroy() during initialize() makes it reject instead of hang; close() lets it finish', async () => {
    const destroyed = new HybridProcessor({ isolatePoolSize: 2 });
    const starting = destroyed.initialize();
    await destroyed.destroy();
    await expect(within(starting, 10_000, 'initialize()')).rejects.toMatchObject({
      code: 'LB_ERR_POOL_CLOSED',
    });
    const closed = new HybridProcessor({ isolatePoolSize: 2 });
    const started = closed.initialize();
    await within(closed.close(), 10_000, 'close()');
    await expect(started).resolves.toBeUndefined();
    expect(closed.stats().threads).toBe(0);
  });

  it('lets a script that never closes the pool exit once no task is pending', async () => {
    const { stdout } = await run(process.execPath, [fixture('noClose.mjs')], { timeout: 50_000 });
    expect(JSON.parse(stdout)).toEqual([10, 20, 30]);
  }, 60_000);

  it('keeps the process alive while a task is pending', async () => {
    const { stdout } = await run(process.execPath, [fixture('pendingTask.mjs')], { timeout: 50_000 });
    expect(stdout).toBe('done');
  }, 60_000);

  it('grows to maxThreads while tasks wait and shrinks back when idle', async () => {
    const pool = await startPool({ minThreads: 1, maxThreads: 2, idleTimeout: 20, maxTasksPerThread: 1 });
    expect(pool.stats().threads).toBe(1);
    const gate = new SharedArrayBuffer(4);
    const wait = (buffer: unknown) => Atomics.wait(new Int32Array(buffer as SharedArrayBuffer), 0, 0, 10_000);
    const tasks = [pool.processWork(wait, gate), pool.processWork(wait, gate)];
    while (pool.stats().running < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pool.stats().threads).toBe(2);
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0, 2);
    await Promise.all(tasks);
    while (pool.stats().threads > 1) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pool.stats().threads).toBe(1);
  });

  it('reports counters, wait and run histograms and utilization', async () => {
    const pool = await startPool();
    await Promise.all(Array.from({ length: 200 }, (_, i) => pool.processWork((x) => (x as number) + 1, i)));
    await pool
      .processWork(() => {
        throw new Error('counted as failed');
      }, null)
      .catch(() => undefined);
    const stats = pool.stats();
    expect(stats).toMatchObject({ threads: 2, completed: 200, failed: 1, queued: 0, running: 0 });
    expect(stats.runTime.count).toBe(201);
    expect(stats.waitTime.count).toBe(201);
    expect(stats.waitTime.p99).toBeGreaterThanOrEqual(stats.waitTime.p50);
    expect(stats.runTime.p50).toBeGreaterThan(0);
    expect(stats.utilization).toBeGreaterThan(0);
    expect(stats.utilization).toBeLessThanOrEqual(1);
  });
});
